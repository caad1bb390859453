// Gmail shows the first 102 KB of an email's HTML and hides the rest behind
// "View entire message"; the pixel sits at the end, so a clipped email is
// never counted as opened unless the reader expands it. The CRM is told
// before it sends (InstrumentWarning.GMAIL_CLIP_RISK), so the author can
// shorten it.
import { InstrumentWarning } from './warnings';

/** Gmail's clip: 102 KB of the HTML part, counted in bytes of UTF-8 (Gmail clips the encoded part as sent). */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/**
 * GMAIL_CLIP_RISK when the HTML the CRM will send is over the clip, whether
 * the author's HTML already was or the tracking URLs and pixel pushed it
 * over. Also for an email left untracked: it is clipped all the same.
 */
export function gmailClipWarnings(html: string | null): InstrumentWarning[] {
  return html !== null && Buffer.byteLength(html, 'utf8') > GMAIL_CLIP_BYTES ? [InstrumentWarning.GMAIL_CLIP_RISK] : [];
}
