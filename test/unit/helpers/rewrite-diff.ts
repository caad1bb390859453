// Judges a rewrite from the outside: walks input and output side by side and
// accepts only the edits the contract allows (one href value replaced by a
// tracking URL, one pixel inserted, with its trap link when there is one),
// undoing each one as it goes.
import { decodeHTMLAttribute } from 'entities';

export const TRACKING_PREFIX = 'https://t.example/track/click/';

export interface ValueEdit {
  /** the position parsed back out of the tracking URL */
  position: number;
  /** the original attribute value's source text, as it stood in the input */
  rawValue: string;
  inputStart: number;
}

export interface RewriteDiff {
  edits: ValueEdit[];
  /** input index the pixel (and trap link) was inserted at */
  pixelAt: number;
}

const UNQUOTED_VALUE_END = /[\t\n\f\r >]/g;

function unquotedEnd(text: string, from: number): number {
  UNQUOTED_VALUE_END.lastIndex = from;
  return UNQUOTED_VALUE_END.exec(text)?.index ?? text.length;
}

function assertSame(input: string, inputAt: number, output: string, outputAt: number, length: number): void {
  if (input.slice(inputAt, inputAt + length) !== output.slice(outputAt, outputAt + length)) {
    throw new Error(`unexpected change near input index ${inputAt}: ${JSON.stringify(output.slice(outputAt, outputAt + 80))}`);
  }
}

/**
 * Throws unless `output` is `input` with only tracking-URL href values and one
 * `pixelTag` inserted (the pixel, followed by the trap link when the rewrite
 * had one: pass both as one string). `trackingUrl(position)` is what the
 * test's clickUrl returned for that position; the written value must decode
 * back to it.
 */
export function diffRewrite(
  input: string,
  output: string,
  pixelTag: string,
  trackingUrl: (position: number) => string,
): RewriteDiff {
  const pixelOut = output.indexOf(pixelTag);
  if (pixelOut === -1 || output.indexOf(pixelTag, pixelOut + 1) !== -1) throw new Error('pixel not present exactly once');
  const edits: ValueEdit[] = [];
  let pixelAt = -1;
  let inputAt = 0;
  let outputAt = 0;
  for (;;) {
    const marker = output.indexOf(TRACKING_PREFIX, outputAt);
    if (pixelAt === -1 && (marker === -1 || pixelOut < marker)) {
      assertSame(input, inputAt, output, outputAt, pixelOut - outputAt);
      inputAt += pixelOut - outputAt;
      pixelAt = inputAt;
      outputAt = pixelOut + pixelTag.length;
      continue;
    }
    if (marker === -1) break;
    const before = output[marker - 1];
    const isQuote = before === '"' || before === "'";
    // An unquoted original the rewriter had to quote: the opening quote is new.
    const quotesAdded = isQuote && input[inputAt + (marker - outputAt) - 1] !== before;
    const replacedFrom = quotesAdded ? marker - 1 : marker;
    assertSame(input, inputAt, output, outputAt, replacedFrom - outputAt);
    const valueStart = inputAt + (replacedFrom - outputAt);
    const writtenEnd = isQuote ? output.indexOf(before, marker) : unquotedEnd(output, marker);
    const rawEnd = isQuote && !quotesAdded ? input.indexOf(before, valueStart) : unquotedEnd(input, valueStart);
    if (writtenEnd === -1 || rawEnd === -1) throw new Error(`unterminated value at input index ${valueStart}`);
    const written = decodeHTMLAttribute(output.slice(marker, writtenEnd));
    const position = Number(/^\d+/.exec(written.slice(TRACKING_PREFIX.length))?.[0] ?? NaN);
    if (!written.startsWith(TRACKING_PREFIX) || written !== trackingUrl(position)) {
      throw new Error(`written value ${JSON.stringify(written)} is not a tracking URL`);
    }
    edits.push({ position, rawValue: input.slice(valueStart, rawEnd), inputStart: valueStart });
    inputAt = rawEnd;
    outputAt = quotesAdded ? writtenEnd + 1 : writtenEnd;
  }
  if (output.slice(outputAt) !== input.slice(inputAt)) throw new Error(`unexpected change near input index ${inputAt}`);
  return { edits, pixelAt };
}

/** The URL a raw href value stands for, by the contract's definition. */
export function decodedHref(rawValue: string): string {
  return decodeHTMLAttribute(rawValue).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
}
