// The pure HTML rewriter (contract section 3): trackable link targets become
// tracking URLs and the open pixel (with the trap link) goes in; every other
// character stays as it was.
import { decodeHrefValue, trimHtmlWhitespace } from './link-rules';
import { scanLinks } from './link-scanner';
import { formatAttributeValue, openPixelTag, trapLinkTag } from './replacement-markup';

export {
  decodeHrefValue,
  hasTemplateSyntax,
  isAbsoluteHttpUrl,
  isTrackableHref,
  mentionsUnsubscribe,
} from './link-rules';
export { formatAttributeValue, openPixelTag, trapLinkTag, type ValueQuoting } from './replacement-markup';

export interface RewriteOptions {
  /** the compliance footer's link; an href equal to it (after trim + entity decoding) is never tracked */
  unsubscribeUrl?: string | null;
  /**
   * returns the tracking URL that replaces the link at `position` (0-based, in
   * document order among the links that get rewritten), or null to leave that
   * link exactly as it is (a URL too long to carry in a token); positions stay
   * contiguous over the links actually rewritten
   */
  clickUrl(originalUrl: string, position: number): string | null;
  /** absolute URL of the open pixel */
  pixelUrl: string;
  /**
   * absolute URL of the hidden trap link, inserted right after the pixel; not
   * a link of the email (no position, not in `links`). Absent or null: no trap.
   */
  trapUrl?: string | null;
}

export interface RewrittenLink {
  position: number;
  /** trimmed, entity-decoded original */
  url: string;
  /** its data-track-name: the link's figures are grouped under it; null when unnamed */
  name: string | null;
}

export interface RewriteResult {
  html: string;
  links: RewrittenLink[];
}

export function rewriteHtml(html: string, options: RewriteOptions): RewriteResult {
  const { sites, bodyCloseAt } = scanLinks(html, unsubscribeForms(options.unsubscribeUrl));
  // Links are decided when their text is complete, so an <area> inside an open
  // <a> is decided first; positions follow the document.
  sites.sort((a, b) => a.valueStart - b.valueStart);
  const pixelAt = bodyCloseAt >= 0 ? bodyCloseAt : html.length;
  const pixel = openPixelTag(options.pixelUrl) + (options.trapUrl ? trapLinkTag(options.trapUrl) : '');
  const parts: string[] = [];
  const links: RewrittenLink[] = [];
  let copiedUpTo = 0;
  let pixelPending = true;
  for (const site of sites) {
    const position = links.length;
    const trackingUrl = options.clickUrl(site.url, position);
    if (trackingUrl === null) continue;
    // The pixel (and trap) sits at a `</body>` in text, never inside a tag,
    // so it is either wholly before or wholly after each value.
    if (pixelPending && pixelAt <= site.valueStart) {
      parts.push(html.slice(copiedUpTo, pixelAt), pixel);
      copiedUpTo = pixelAt;
      pixelPending = false;
    }
    parts.push(html.slice(copiedUpTo, site.valueStart), formatAttributeValue(trackingUrl, site.quote));
    copiedUpTo = site.valueEnd;
    links.push({ position, url: site.url, name: site.name });
  }
  if (pixelPending) {
    parts.push(html.slice(copiedUpTo, pixelAt), pixel);
    copiedUpTo = pixelAt;
  }
  parts.push(html.slice(copiedUpTo));
  return { html: parts.join(''), links };
}

/**
 * The forms of the unsubscribe URL an href is compared with: as given, and
 * decoded in case the caller passed it HTML-escaped (`&amp;`), which can only
 * make us track less.
 */
function unsubscribeForms(unsubscribeUrl: string | null | undefined): ReadonlySet<string> {
  if (unsubscribeUrl == null) return new Set();
  return new Set([trimHtmlWhitespace(unsubscribeUrl), decodeHrefValue(unsubscribeUrl)]);
}
