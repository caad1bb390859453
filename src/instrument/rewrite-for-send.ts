// One send's rewrite with its own click tokens, the same on the main thread
// and in the rewrite worker (rewrite-off-thread.ts). Links past the cap stay
// as they are: the audit's 224,000-link email wrote 224,000 rows and held the
// pixel for seconds, and no reader follows link 501 of an email.
import type { TokenCodec } from '../events/tokens';
import { rewriteHtml, type RewriteResult } from './rewriter';

/**
 * Longest click token we put in an email; a link whose token would be longer
 * stays untracked (its URL is over ~6 KB). The whole request line must fit
 * the 16 KiB header limit of Node's HTTP server together with the client's
 * headers, and common proxies (nginx) stop at 8 KB per line.
 */
export const MAX_CLICK_TOKEN_LENGTH = 8_000;

export interface SendRewrite {
  html: string;
  unsubscribeUrl: string | null;
  orgId: string;
  sendId: string;
  pixelUrl: string;
  trapUrl: string | null;
  /** PUBLIC_BASE_URL and the click route's prefix: a click token completes it */
  clickUrlPrefix: string;
  /** EMAIL_TRACKING_MAX_LINKS */
  maxLinks: number;
}

export interface SendRewriteResult extends RewriteResult {
  /** trackable links past maxLinks were left as they are */
  linksCapped: boolean;
}

export function rewriteForSend(tokens: Pick<TokenCodec, 'encodeClick'>, job: SendRewrite): SendRewriteResult {
  let linksCapped = false;
  const rewrite = rewriteHtml(job.html, {
    unsubscribeUrl: job.unsubscribeUrl,
    pixelUrl: job.pixelUrl,
    trapUrl: job.trapUrl,
    clickUrl: (url, position) => {
      if (position >= job.maxLinks) {
        linksCapped = true;
        return null;
      }
      const token = tokens.encodeClick(job.orgId, job.sendId, position, url);
      return token.length <= MAX_CLICK_TOKEN_LENGTH ? `${job.clickUrlPrefix}${token}` : null;
    },
  });
  return { ...rewrite, linksCapped };
}
