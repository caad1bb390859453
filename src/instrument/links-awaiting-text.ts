// Links whose fate waits on their visible text (an anchor whose text mentions
// unsubscribing is never tracked): held from their start tag to the end tag
// that closes them, and shown the text in between.
import { mentionsUnsubscribe, UNSUBSCRIBE_WORD_OVERLAP } from './link-rules';

interface Waiting<Link> {
  /** lower-case name of the end tag that closes it */
  closedBy: string;
  link: Link;
  /** the last characters of its text, so a word split across tags is still seen */
  textTail: string;
  saysUnsubscribe: boolean;
}

// Past this many unclosed links the oldest is decided on the text seen so far:
// every piece of text is shown to every waiting link, so the bound keeps that
// linear on hostile input (thousands of unclosed shapes).
const MAX_WAITING = 16;

export class LinksAwaitingText<Link> {
  private readonly waiting: Waiting<Link>[] = [];

  /** `accept` receives each link whose text turned out not to mention unsubscribing. */
  constructor(private readonly accept: (link: Link) => void) {}

  get isEmpty(): boolean {
    return this.waiting.length === 0;
  }

  open(closedBy: string, link: Link): void {
    this.waiting.push({ closedBy, link, textTail: '', saysUnsubscribe: false });
    if (this.waiting.length > MAX_WAITING) this.decide(this.waiting.shift()!);
  }

  /** Decides the innermost waiting link that `</tagName>` closes, if any. */
  close(tagName: string): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.closedBy === tagName) {
        this.decide(this.waiting.splice(i, 1)[0]!);
        return;
      }
    }
  }

  /** The end of the document closes everything still open. */
  closeAll(): void {
    for (const waiting of this.waiting.splice(0)) this.decide(waiting);
  }

  /** Decoded text content, in document order. */
  addText(text: string): void {
    for (const waiting of this.waiting) {
      if (waiting.saysUnsubscribe) continue;
      const seen = waiting.textTail + text;
      if (mentionsUnsubscribe(seen)) waiting.saysUnsubscribe = true;
      else waiting.textTail = seen.slice(-UNSUBSCRIBE_WORD_OVERLAP);
    }
  }

  private decide(waiting: Waiting<Link>): void {
    if (!waiting.saysUnsubscribe) this.accept(waiting.link);
  }
}
