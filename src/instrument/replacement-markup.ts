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
 * The open pixel. `width`/`height` attributes size it where CSS is stripped
 * (Outlook desktop); `display:block` keeps it from adding a line box's descender
 * gap under the content; `alt=""` marks it decorative for screen readers, and
 * `border:0` stops old clients drawing a border. The self-closing slash keeps
 * XHTML-doctype emails well formed and is ignored by HTML parsers.
 */
export function openPixelTag(pixelUrl: string): string {
  return (
    `<img src="${escapeDoubleQuoted(pixelUrl)}" width="1" height="1" alt=""` +
    ` style="display:block;width:1px;height:1px;border:0;" />`
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
