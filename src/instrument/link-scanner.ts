// Finds, by their positions in the source, the href values the rewriter replaces
// and the `</body>` the open pixel goes before. It reads htmlparser2's token
// positions and never re-serialises anything.
import { QuoteType, Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import { decodeHrefValue, decodeTextContent, isTrackableHref, trackName } from './link-rules';
import { LinksAwaitingText } from './links-awaiting-text';
import type { ValueQuoting } from './replacement-markup';

/** An href value to replace: `[valueStart, valueEnd)` of the source, quotes excluded. */
export interface LinkSite {
  valueStart: number;
  valueEnd: number;
  quote: ValueQuoting;
  /** trimmed, entity-decoded original */
  url: string;
  /** the anchor's data-track-name (contract section 3 rule 7): its figures are grouped under it; null when absent or empty */
  name: string | null;
}

export interface ScanResult {
  /** in the order they were decided, which is not always document order */
  sites: LinkSite[];
  /** index of the `<` of the last `</body>` outside comments and raw text, or -1 */
  bodyCloseAt: number;
}

enum TagKind { Other, Anchor, Area, Vml }
enum AttributeRole { Ignored, Href, TrackName }

// Conditional comments cannot nest (the first `-->` ends them), but a stray
// `<!--[if` inside one is re-read as one; the bound keeps that from recursing
// without end on hostile input.
const MAX_CONDITIONAL_DEPTH = 3;
const SLASH = 0x2f;

export function scanLinks(html: string, unsubscribeUrls: ReadonlySet<string>): ScanResult {
  const scanner = new LinkScanner(html, unsubscribeUrls);
  scanner.tokenize(0, html.length);
  scanner.awaitingText.closeAll();
  return { sites: scanner.sites, bodyCloseAt: scanner.bodyCloseAt };
}

class LinkScanner implements TokenizerCallbacks {
  readonly sites: LinkSite[] = [];
  bodyCloseAt = -1;
  readonly awaitingText = new LinksAwaitingText<LinkSite>((site) => this.sites.push(site));
  // The running tokenizer reads html.slice(base, chunkEnd); it reports indices relative to base.
  private base = 0;
  private chunkEnd = 0;
  private conditionalDepth = 0;
  // The start tag being read.
  private tagKind = TagKind.Other;
  private tagName = '';
  private attributeRole = AttributeRole.Ignored;
  private hrefSeen = false;
  private hrefStart = -1;
  private hrefEnd = -1;
  private hrefQuote = QuoteType.NoValue;
  private optedOut = false;
  private nameSeen = false;
  private nameStart = -1;
  private nameEnd = -1;

  constructor(
    private readonly html: string,
    private readonly unsubscribeUrls: ReadonlySet<string>,
  ) {}

  tokenize(start: number, end: number): void {
    const [outerBase, outerEnd] = [this.base, this.chunkEnd];
    this.base = start;
    this.chunkEnd = end;
    // Entities are decoded per value instead: positions then stay those of the source.
    const tokenizer = new Tokenizer({ decodeEntities: false }, this);
    tokenizer.write(start === 0 && end === this.html.length ? this.html : this.html.slice(start, end));
    tokenizer.end();
    [this.base, this.chunkEnd] = [outerBase, outerEnd];
  }

  onopentagname(start: number, end: number): void {
    const from = this.base + start;
    this.tagKind = classifyTag(this.html, from, end - start);
    // A tag cut off at the end of a conditional comment may have left this set.
    this.attributeRole = AttributeRole.Ignored;
    if (this.tagKind === TagKind.Other) return;
    this.tagName = this.html.slice(from, this.base + end).toLowerCase();
    this.hrefSeen = false;
    this.hrefStart = -1;
    this.hrefEnd = -1;
    this.hrefQuote = QuoteType.NoValue;
    this.optedOut = false;
    this.nameSeen = false;
    this.nameStart = -1;
    this.nameEnd = -1;
  }

  onattribname(start: number, end: number): void {
    if (this.tagKind === TagKind.Other) return;
    this.attributeRole = AttributeRole.Ignored;
    const length = end - start;
    if (length !== 4 && length !== 13 && length !== 15 && length !== 16) return;
    const name = this.html.slice(this.base + start, this.base + end).toLowerCase();
    if (name === 'href') {
      // A browser uses the first href; later duplicates are inert.
      if (!this.hrefSeen) this.attributeRole = AttributeRole.Href;
      this.hrefSeen = true;
    } else if (name === 'data-track-name') {
      // Like getAttribute: the first one counts.
      if (!this.nameSeen) this.attributeRole = AttributeRole.TrackName;
      this.nameSeen = true;
    } else if (name === 'data-no-track' || name === 'data-unsubscribe') {
      this.optedOut = true;
    }
  }

  onattribdata(start: number, end: number): void {
    if (this.attributeRole === AttributeRole.Href) {
      if (this.hrefStart < 0) this.hrefStart = this.base + start;
      this.hrefEnd = this.base + end;
    } else if (this.attributeRole === AttributeRole.TrackName) {
      if (this.nameStart < 0) this.nameStart = this.base + start;
      this.nameEnd = this.base + end;
    }
  }

  onattribend(quote: QuoteType): void {
    if (this.attributeRole === AttributeRole.Href) this.hrefQuote = quote;
    this.attributeRole = AttributeRole.Ignored;
  }

  onopentagend(): void {
    this.finishStartTag(false);
  }

  onselfclosingtag(): void {
    this.finishStartTag(true);
  }

  ontext(start: number, end: number): void {
    if (this.awaitingText.isEmpty) return;
    this.awaitingText.addText(decodeTextContent(this.html.slice(this.base + start, this.base + end)));
  }

  onclosetag(start: number, end: number): void {
    const from = this.base + start;
    // Only </a>, </body> and </v:...> matter: most end tags stop at their first letter.
    const first = this.html.charCodeAt(from) | 0x20;
    if (first !== 0x61 && first !== 0x62 && first !== 0x76) return;
    // htmlparser2 skips spaces in `</ a>`; browsers read that as a comment.
    if (this.html.charCodeAt(from - 1) !== SLASH) return;
    // Browsers drop a tag cut off by the end of input; htmlparser2 reports it at the name.
    const tagEnd = this.html.indexOf('>', this.base + end);
    if (tagEnd === -1 || tagEnd >= this.chunkEnd) return;
    const name = this.html.slice(from, endTagNameEnd(this.html, from, this.base + end)).toLowerCase();
    if (name === 'body') {
      if (this.conditionalDepth === 0) this.bodyCloseAt = from - 2;
    } else if (name === 'a' || name.startsWith('v:')) {
      this.awaitingText.close(name);
    }
  }

  oncomment(start: number, end: number, endOffset: number): void {
    if (this.conditionalDepth >= MAX_CONDITIONAL_DEPTH) return;
    const from = this.base + start;
    const to = this.base + end - endOffset;
    const body = conditionalCommentBody(this.html, from, to);
    if (body === null) return;
    this.conditionalDepth++;
    this.tokenize(body[0], body[1]);
    this.conditionalDepth--;
  }

  // Declarations, CDATA, processing instructions and entities carry no links
  // (entities are not even reported: decodeEntities is off).
  oncdata(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}
  onattribentity(): void {}
  ontextentity(): void {}
  onend(): void {}

  private finishStartTag(selfClosing: boolean): void {
    const kind = this.tagKind;
    this.tagKind = TagKind.Other;
    if (kind === TagKind.Other) return;
    // An `<a>` start tag closes any open `<a>` in a browser, link or not.
    if (kind === TagKind.Anchor) this.awaitingText.close('a');
    const site = this.trackableSite();
    if (site === null) return;
    // `<a/>` stays open in HTML; VML shapes follow XML rules; `<area>` is void.
    if (kind === TagKind.Area || (kind === TagKind.Vml && selfClosing)) {
      this.sites.push(site);
      return;
    }
    this.awaitingText.open(this.tagName, site);
  }

  /** The current tag's href as a site, when nothing but its text could still exclude it. */
  private trackableSite(): LinkSite | null {
    if (this.optedOut || this.hrefStart < 0) return null;
    const url = decodeHrefValue(this.html.slice(this.hrefStart, this.hrefEnd));
    if (this.unsubscribeUrls.has(url) || !isTrackableHref(url)) return null;
    const quote: ValueQuoting =
      this.hrefQuote === QuoteType.Double ? 'double' : this.hrefQuote === QuoteType.Single ? 'single' : 'unquoted';
    const name = this.nameStart < 0 ? null : trackName(this.html.slice(this.nameStart, this.nameEnd));
    return { valueStart: this.hrefStart, valueEnd: this.hrefEnd, quote, url, name };
  }
}

/** htmlparser2 lets an end tag's name run up to whitespace or `>`; a browser's also stops at `/` (`</body/>`). */
function endTagNameEnd(html: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (html.charCodeAt(i) === SLASH) return i;
  return to;
}

function classifyTag(html: string, from: number, length: number): TagKind {
  const first = html.charCodeAt(from) | 0x20;
  if (length === 1 && first === 0x61) return TagKind.Anchor;
  if (length === 4 && first === 0x61 && html.slice(from, from + 4).toLowerCase() === 'area') return TagKind.Area;
  if (length > 2 && first === 0x76 && html.charCodeAt(from + 1) === 0x3a) return TagKind.Vml;
  return TagKind.Other;
}

const CONDITIONAL_START = /^\[if[\s!(]/i;

/**
 * For `<!--[if mso]>...<![endif]-->` (comment text `[if mso]>...<![endif]`),
 * the range of the markup inside; null for an ordinary comment. The closing
 * `<![endif]` can stay in: it reads as an unterminated declaration, no tag.
 */
function conditionalCommentBody(html: string, from: number, to: number): [number, number] | null {
  if (to - from < 5 || !CONDITIONAL_START.test(html.slice(from, from + 4))) return null;
  const conditionEnd = html.indexOf(']>', from);
  if (conditionEnd === -1 || conditionEnd + 2 > to) return null;
  return [conditionEnd + 2, to];
}
