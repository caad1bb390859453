// Rewrites an email where it costs the pixel nothing: a small one at once
// (the rewriter reads 70 to 140 MB/s, so 64 Ki characters take under a
// millisecond), a large one on a worker thread, which runs this same
// module's `rewrite`: 2 MB held the thread answering the pixel and the
// redirect for 40 to 170 ms of CPU, stretched to seconds on a loaded machine
// (contract section 8). The tokens' secret comes with each task, so one pool
// serves every configuration in the process, and the worker builds its own
// token codec (a thread shares no objects).
import { TokenCodec } from '../events/tokens';
import { lazyWorkerPool, workerModule } from '../worker-pool';
import { rewriteForSend, type SendRewrite, type SendRewriteResult } from './rewrite-for-send';

export const MAIN_THREAD_HTML_CHARS = 64 * 1024;

export interface RewriteTask {
  trackingSigningSecret: string;
  job: SendRewrite;
}

const codecs = new Map<string, TokenCodec>();

/** On the worker: one email rewritten. */
export function rewrite(task: RewriteTask): SendRewriteResult {
  let tokens = codecs.get(task.trackingSigningSecret);
  if (!tokens) {
    tokens = new TokenCodec(task.trackingSigningSecret);
    codecs.set(task.trackingSigningSecret, tokens);
  }
  return rewriteForSend(tokens, task.job);
}

const workers = lazyWorkerPool<RewriteTask, SendRewriteResult>(workerModule(__dirname, 'rewrite-off-thread'), 'rewrite');

export async function rewriteWithoutBlocking(tokens: TokenCodec, trackingSigningSecret: string, job: SendRewrite): Promise<SendRewriteResult> {
  if (job.html.length <= MAIN_THREAD_HTML_CHARS) return rewriteForSend(tokens, job);
  return workers.run('rewrite', { trackingSigningSecret, job });
}
