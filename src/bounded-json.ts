// JSON from callers we do not trust yet, parsed only after a cheap scan has
// shown it is bounded: nesting (a 100,000-deep array overflows the stack of
// whatever walks it later, JSON.stringify included) and the number of values
// (a million keys cost a second to build, and again to copy between threads).
// The scan reads each character once and skips string contents with indexOf,
// so it costs a few milliseconds per MB. Pure.

export interface JsonBounds {
  /** arrays and objects inside each other */
  maxDepth: number;
  /** values in all arrays and objects together (keys not counted twice) */
  maxValues: number;
}

/** `problem` completes a sentence about the text: "is not valid JSON", "holds more than 10000 values". */
export type BoundedJson = { ok: true; value: unknown } | { ok: false; problem: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** The index of the quote closing the string opened at `open`, or the text's length when it never closes. */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    // Escaped when an odd number of backslashes precede it. Each backslash is
    // looked at by one quote only (the next one), so this stays linear.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

/** Why `text` is over the bounds ("nests deeper than 32 levels"), or null. Malformed JSON within them is JSON.parse's to report. */
export function jsonBoundsProblem(text: string, bounds: JsonBounds): string | null {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = stringEnd(text, i);
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > bounds.maxDepth) return `nests deeper than ${bounds.maxDepth} levels`;
      if (++values > bounds.maxValues) return `holds more than ${bounds.maxValues} values`;
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth--;
    } else if (code === COMMA && ++values > bounds.maxValues) {
      return `holds more than ${bounds.maxValues} values`;
    }
  }
  return null;
}

export function parseBoundedJson(text: string, bounds: JsonBounds): BoundedJson {
  const problem = jsonBoundsProblem(text, bounds);
  if (problem !== null) return { ok: false, problem };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: 'is not valid JSON' };
  }
}
