// Decides which link targets the rewriter may send through a tracking redirect
// (contract section 3, rules 1 and 2): pure string predicates, no markup.
import { decodeHTML, decodeHTMLAttribute } from 'entities';

/** Trims the HTML whitespace set (tab, LF, FF, CR, space), not String#trim's wider one. */
export function trimHtmlWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isHtmlWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isHtmlWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isHtmlWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

/**
 * The URL an href attribute's raw source text stands for: entities decoded the
 * way a browser decodes an attribute value (so `&copy=` stays literal while a
 * final `&amp` decodes), then trimmed. Decoding comes first because `&#32;` is
 * whitespace the browser's URL parser strips too.
 */
export function decodeHrefValue(rawValue: string): string {
  return trimHtmlWhitespace(rawValue.includes('&') ? decodeHTMLAttribute(rawValue) : rawValue);
}

/**
 * Longest data-track-name kept: a name is a grouping key (in the link
 * rollups' primary key), and no call to action needs more.
 */
export const MAX_TRACK_NAME_LENGTH = 200;

/**
 * A data-track-name attribute's raw source text as the name links are
 * grouped under: decoded like any attribute value, trimmed, at most
 * MAX_TRACK_NAME_LENGTH characters; null when nothing is left.
 */
export function trackName(rawValue: string): string | null {
  const name = decodeHrefValue(rawValue);
  if (name === '') return null;
  return name.length <= MAX_TRACK_NAME_LENGTH ? name : Array.from(name).slice(0, MAX_TRACK_NAME_LENGTH).join('');
}

/** Text content as a browser decodes it between tags (legacy entities allowed). */
export function decodeTextContent(rawText: string): string {
  return rawText.includes('&') ? decodeHTML(rawText) : rawText;
}

const UNSUBSCRIBE_WORDS = /unsubscribe|opt-out|optout/i;

/** The longest unsubscribe word, minus one: how much text a split word can straddle. */
export const UNSUBSCRIBE_WORD_OVERLAP = 'unsubscribe'.length - 1;

export function mentionsUnsubscribe(text: string): boolean {
  return UNSUBSCRIBE_WORDS.test(text);
}

/**
 * Delimiters of the template languages mail providers and engines fill in
 * after we have seen the HTML: Handlebars/Liquid/Jinja `{{` `{%`, Mailchimp
 * `*|TAG|*` (see below), ERB/EJS/SendGrid `<%`, JS `${`, Ruby/Pug `#{`, `[[`,
 * `%%` (Ghost, ad-server macros), and the single-token merge tags found in real
 * templates: `{name}`, `[name]`, `<name>`, `$name$`. Every quantified run below
 * cannot contain its own opening character, so matching stays linear.
 */
const TEMPLATE_DELIMITERS =
  /\{\{|\{%|%%|<%|\$\{|#\{|\[\[|\{[A-Za-z_$][^{}\s]*\}|\[[A-Za-z_][\w.:-]*\]|<[A-Za-z_][\w.:-]*>|\$[A-Za-z_][\w.]*\$/;

export function hasTemplateSyntax(url: string): boolean {
  return TEMPLATE_DELIMITERS.test(url) || hasMailchimpTag(url) || hasPercentVariable(url);
}

// `*|TAG|*`: found with indexOf rather than a lazy regex, which would go
// quadratic on a long href full of `*|`.
function hasMailchimpTag(url: string): boolean {
  const open = url.indexOf('*|');
  return open !== -1 && url.indexOf('|*', open + 2) !== -1;
}

/**
 * Mailgun-style `%recipient.first_name%` / `%unsubscribe_url%`. A run such as
 * `%E2%80%99` is percent-encoding, not a variable: both of its `%` start a
 * two-hex-digit escape, so such a pair is skipped.
 */
function hasPercentVariable(url: string): boolean {
  let open = url.indexOf('%');
  while (open !== -1) {
    const close = url.indexOf('%', open + 1);
    if (close === -1) return false;
    if (isVariableName(url, open + 1, close) && !(startsPercentEscape(url, open) && startsPercentEscape(url, close))) {
      return true;
    }
    open = close;
  }
  return false;
}

const VARIABLE_NAME = /^[A-Za-z_][\w.-]*$/;

function isVariableName(text: string, start: number, end: number): boolean {
  return VARIABLE_NAME.test(text.slice(start, end));
}

function startsPercentEscape(text: string, at: number): boolean {
  return /^%[0-9A-Fa-f]{2}/.test(text.slice(at, at + 3));
}

const HTTP_SCHEME = /^https?:\/\//i;
// C0 controls and DEL: a browser would strip or choke on them, and they cannot
// travel byte for byte in the redirect's Location header.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** `http://` or `https://` (any case) followed by something the WHATWG URL parser accepts, host included. */
export function isAbsoluteHttpUrl(url: string): boolean {
  return HTTP_SCHEME.test(url) && !CONTROL_CHARACTER.test(url) && canParseUrl(url);
}

const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * URL.canParse, minus a Node 20 bug: once V8 optimises its caller, the fast
 * call path reads a one-byte (Latin-1) string's bytes as if they were UTF-8,
 * so `http://bücher.example/` turns unparseable after a few thousand calls
 * (v20.20.2: from about the 5,500th). Strings beyond ASCII go through the URL
 * constructor, which has no such path; ASCII is the same in both encodings.
 */
export function canParseUrl(url: string): boolean {
  if (!NON_ASCII.test(url)) return URL.canParse(url);
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a decoded, trimmed href may be replaced by a tracking redirect, judged
 * on the URL alone (the anchor's attributes and text are the scanner's part).
 */
export function isTrackableHref(url: string): boolean {
  return isAbsoluteHttpUrl(url) && !hasTemplateSyntax(url) && !mentionsUnsubscribe(url);
}
