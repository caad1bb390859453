// The only markup the rewriter writes: a replacement attribute value escaped for
// the quoting it lands in, the open-tracking pixel and the hidden trap link.

/** How an attribute value is delimited in the source. */
export type ValueQuoting = 'double' | 'single' | 'unquoted';

const AMPERSAND_OR_DOUBLE_QUOTE = /[&"]/g;
const AMPERSAND_OR_SINGLE_QUOTE = /[&']/g;
const CHARACTER_REFERENCE: Readonly<Record<string, string>> = { '&': '&amp;', '"': '&quot;', "'": '&#39;' };
// Characters that end an unquoted value or are parse errors inside one (HTML
// "attribute value (unquoted) state"), plus `&`, which would start a reference.
const UNSAFE_UNQUOTED = /[\t\n\f\r "'&<=>`]/;

function escapeWith(value: string, pattern: RegExp): string {
  return value.replace(pattern, (character) => CHARACTER_REFERENCE[character] ?? character);
}

export function escapeDoubleQuoted(value: string): string {
  return escapeWith(value, AMPERSAND_OR_DOUBLE_QUOTE);
}

/**
 * `value` written so that the browser decodes it back to exactly `value` in
 * the place of an attribute value that had quoting `quote`. Quoted values keep
 * their quote character; an unquoted value stays unquoted when it is safe so,
 * and otherwise gets double quotes (the surrounding text of the tag is kept).
 */
export function formatAttributeValue(value: string, quote: ValueQuoting): string {
  switch (quote) {
    case 'double':
      return escapeDoubleQuoted(value);
    case 'single':
      return escapeWith(value, AMPERSAND_OR_SINGLE_QUOTE);
    case 'unquoted':
      return value !== '' && !UNSAFE_UNQUOTED.test(value) ? value : `"${escapeDoubleQuoted(value)}"`;
  }
}

/**
 * The open pixel (docs/rewriting.md#the-pixel says which client reads which
 * part). `position:absolute` takes it out of the flow where CSS is honoured:
 * no line box, no block between margins that would otherwise collapse, so
 * nothing of the page moves or changes colour; `max-width:0;max-height:0`
 * leave it no area to draw. Where `position` is stripped (Gmail),
 * `display:block` and the zero maxima still keep it off any text line.
 * `width`/`height` attributes give Outlook's Word engine, which ignores most
 * CSS, a 1x1 image to load. Never `display:none`, which some proxies are
 * suspected of not fetching. `alt=""` marks it decorative for screen
 * readers; the self-closing slash keeps XHTML emails well formed.
 */
export function openPixelTag(pixelUrl: string): string {
  return (
    `<img src="${escapeDoubleQuoted(pixelUrl)}" width="1" height="1" alt=""` +
    ` style="position:absolute;display:block;width:1px;height:1px;max-width:0;max-height:0;border:0;margin:0;padding:0;overflow:hidden;" />`
  );
}

/**
 * The trap link (contract section 3 rule 4; docs/rewriting.md says which
 * client needs which part): empty, so no client that drops styles can show
 * or offer anything; `display:none` for the standards-based clients and
 * `mso-hide:all` for Outlook's Word engine, which takes them out of layout,
 * tab order and the accessibility tree; `aria-hidden` and `tabindex="-1"`
 * for a client that strips the style but keeps the element. Machines that
 * follow every href of the HTML still find it.
 */
export function trapLinkTag(trapUrl: string): string {
  return `<a href="${escapeDoubleQuoted(trapUrl)}" aria-hidden="true" tabindex="-1" style="display:none;mso-hide:all;"></a>`;
}
