// Rewrites an email where it costs the pixel nothing: a small one at once
// (the rewriter reads 70 to 140 MB/s, so 64 Ki characters take under a
// millisecond), a large one in a worker thread, since 2 MB held the thread
// answering the pixel and the redirect for 40 to 170 ms of CPU, stretched to
// seconds on a loaded machine (contract section 8).
import type { TokenCodec } from '../events/tokens';
import { lazyWorkerPool, workerModule } from '../worker-pool';
import { rewriteForSend, type SendRewrite, type SendRewriteResult } from './rewrite-for-send';
import type { RewriteTask } from './rewrite-worker';

export const MAIN_THREAD_HTML_CHARS = 64 * 1024;

const workers = lazyWorkerPool<RewriteTask, SendRewriteResult>(workerModule(__dirname, 'rewrite-worker'), 'rewrite');

export async function rewriteWithoutBlocking(tokens: TokenCodec, trackingSigningSecret: string, job: SendRewrite): Promise<SendRewriteResult> {
  if (job.html.length <= MAIN_THREAD_HTML_CHARS) return rewriteForSend(tokens, job);
  return workers.run('rewrite', { trackingSigningSecret, job });
}
