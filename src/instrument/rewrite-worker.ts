// Runs in a worker thread (src/worker-pool.ts): the rewrite of a large email,
// which scans every byte of it, away from the thread answering the pixel and
// the redirect. The tokens' secret comes with each task, so one pool serves
// every configuration in the process.
import { TokenCodec } from '../events/tokens';
import { rewriteForSend, type SendRewrite, type SendRewriteResult } from './rewrite-for-send';

export interface RewriteTask {
  trackingSigningSecret: string;
  job: SendRewrite;
}

const codecs = new Map<string, TokenCodec>();

export function rewrite(task: RewriteTask): SendRewriteResult {
  let tokens = codecs.get(task.trackingSigningSecret);
  if (!tokens) {
    tokens = new TokenCodec(task.trackingSigningSecret);
    codecs.set(task.trackingSigningSecret, tokens);
  }
  return rewriteForSend(tokens, task.job);
}
