// The short token format's packed URL form: the URL parsed into the
// codebook's symbols (events/url-codebook.ts: printable characters and
// common URL parts), each written with a static prefix code of 5 to 12
// bits instead of a whole byte. A URL's characters carry about 6 bits each
// (letters, digits and a few marks), so a byte per character, base64url on
// top, spent a third more than the text needed; here a lowercase letter
// costs 5 to 7 bits, an uppercase one 6 or 7, a digit or `=` 7, `https://` 6.
// The codes are canonical Huffman codes, so the decoder needs only the
// lengths below: one table look-up per symbol.
//
// FROZEN like the codebook: tokens in sent emails decode with these exact
// lengths forever (test/unit/url-huffman.test.ts holds their digest).
import { entryCodes, parseUrlText } from './url-codebook';

/**
 * The code length of each code byte, one hex digit per byte value (0: not a
 * symbol). Derived once from the symbol counts of the corpus's links, plus
 * one of every symbol, plus 20 of each letter, digit and mark of paths and
 * queries (`-._~/?=&%:+`), for the opaque ids and parameters the corpus
 * holds few of (docs/rewriting.md, "Tokens").
 */
const LENGTHS = [
  // 0x00-0x1F: codebook entries 128-151, then unused
  'bc8a7a898ca88cc9ccaccb8a00000000',
  // 0x20-0x3F: space ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ?
  'cccbc87cccc7c56577777777777cc7c7',
  // 0x40-0x5F: @ A-Z [ \ ] ^ _
  'c77777777677777777777777777cccc7',
  // 0x60-0x7F: ` a-z { | } ~ DEL
  'c56675766576667667656666777ccc70',
  // 0x80-0xFF: codebook entries 0-127
  '9867c77bbcccaccccccccacbccc89ccc',
  'acacacccb69bcccccccccccccccbcccc',
  'ccccccccccccccccccccccccccccc9cc',
  'cccccccbcccccccaa79ba9cccccccbaa',
].join('');

const lengthOf = Uint8Array.from(LENGTHS, (digit) => parseInt(digit, 16));
const MAX_BITS = Math.max(...lengthOf);
const MIN_BITS = Math.min(...Array.from(lengthOf).filter((length) => length > 0));
// A complete code (every bit string starts with a code) whose all-ones code
// is longer than a byte: else the decoder could stall on a gap, or read the
// last byte's filling as a symbol.
const KRAFT_SUM = lengthOf.reduce((sum, length) => sum + (length ? 2 ** -length : 0), 0);
if (KRAFT_SUM !== 1 || MAX_BITS < 8) throw new Error('the URL code lengths do not make a complete prefix code');
/** Each code byte's code, canonical: by length, then by byte value. */
const codeOf = new Uint16Array(256);
/** By the next MAX_BITS bits: the symbol they start with (high bits) and its length (low 4 bits). */
const lookup = new Uint16Array(1 << MAX_BITS);
{
  let code = 0;
  for (let length = 1; length <= MAX_BITS; length++) {
    for (let byte = 0; byte < 256; byte++) {
      if (lengthOf[byte] !== length) continue;
      codeOf[byte] = code;
      lookup.fill((byte << 4) | length, code << (MAX_BITS - length), (code + 1) << (MAX_BITS - length));
      code++;
    }
    code <<= 1;
  }
}

/**
 * The URL as codes, most significant bit first, the last byte filled with
 * one-bits (no code of 7 bits or fewer is all ones, so the filling never
 * reads as a symbol); null when the URL is not printable ASCII.
 */
export function encodeUrlBits(url: string): Buffer | null {
  const symbols = parseUrlText(url, lengthOf);
  if (!symbols) return null;
  let bits = 0;
  for (const byte of symbols) bits += lengthOf[byte];
  const out = Buffer.alloc(Math.ceil(bits / 8));
  let acc = 0;
  let held = 0;
  let at = 0;
  for (const byte of symbols) {
    acc = (acc << lengthOf[byte]) | codeOf[byte];
    held += lengthOf[byte];
    while (held >= 8) {
      held -= 8;
      out[at++] = acc >>> held;
      acc &= (1 << held) - 1;
    }
  }
  if (held > 0) out[at] = (acc << (8 - held)) | ((1 << (8 - held)) - 1);
  return out;
}

/** The longest text one symbol stands for (`https://www.`). */
// (entryCodes has holes where no entry is: map would keep them, and Math.max of a hole is NaN)
const LONGEST = Math.max(1, ...entryCodes.filter((codes) => codes !== undefined).map((codes) => codes!.length));
let scratch = Buffer.allocUnsafe(4096);

/**
 * The URL text of `bytes[start..]`, or null when the bits are not what
 * encodeUrlBits writes. Symbols are expanded as they are read, into a
 * reused buffer read once.
 */
export function decodeUrlBits(bytes: Buffer, start: number): string | null {
  const most = Math.ceil(((bytes.length - start) * 8) / MIN_BITS) * LONGEST;
  if (scratch.length < most) scratch = Buffer.allocUnsafe(most);
  let acc = 0;
  let held = 0;
  let at = 0;
  let i = start;
  for (;;) {
    while (held < MAX_BITS && i < bytes.length) {
      acc = (acc << 8) | bytes[i++];
      held += 8;
    }
    if (held === 0) break;
    // At the end, the missing bits are read as the one-bits of the filling.
    const next = held >= MAX_BITS ? acc >>> (held - MAX_BITS) : (acc << (MAX_BITS - held)) | ((1 << (MAX_BITS - held)) - 1);
    const entry = lookup[next];
    const length = entry & 0x0f;
    if (length > held) {
      // Only the filling is left: fewer than 8 bits, all ones.
      if (held >= 8 || acc !== (1 << held) - 1) return null;
      break;
    }
    const symbol = entry >> 4;
    const codes = entryCodes[symbol];
    if (codes === undefined) scratch[at++] = symbol;
    else for (let j = 0; j < codes.length; j++) scratch[at++] = codes[j];
    held -= length;
    acc &= (1 << held) - 1;
  }
  return scratch.toString('latin1', 0, at);
}

/** The code length of each code byte (0: not a symbol), for the tests. */
export const codeLengths = (): readonly number[] => Array.from(lengthOf);
