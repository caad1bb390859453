// The short format's packed URL form (events/url-huffman.ts): a complete
// prefix code over exactly the codebook's symbols, frozen, about 6 bits for
// a URL-safe character, and a decoder that takes back only what the encoder
// writes.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { encodeUrlText, isUrlSymbol } from '../../src/events/url-codebook';
import { codeLengths, decodeUrlBits, encodeUrlBits } from '../../src/events/url-huffman';
import { trackableUrl } from './helpers/url-arbitraries';

const SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const printable = fc.stringMatching(/^[\x20-\x7e]{0,300}$/);

it('gives every symbol of the codebook, and nothing else, a code: a complete prefix code', () => {
  const lengths = codeLengths();
  for (let byte = 0; byte < 256; byte++) expect([byte, lengths[byte]! > 0]).toEqual([byte, isUrlSymbol(byte)]);
  expect(lengths.reduce((sum, length) => sum + (length ? 2 ** -length : 0), 0)).toBe(1);
});

it('is frozen: tokens in sent emails decode with these lengths forever', () => {
  // A change here needs a new URL form in the token header, never an edit of the lengths.
  expect(createHash('sha256').update(codeLengths().join(',')).digest('hex')).toBe('7b13db9adca4ed41f3ef510a86af0359fea7573f0429264ff7a021ecea70a17d');
});

it('writes text of the 64 URL-safe characters in 6 to 7 bits a character, common URL parts in fewer', () => {
  // every character as often: what opaque ids look like
  const text = Array.from({ length: 6400 }, (_, i) => SAFE[(i * 37 + (i >> 6)) % 64]).join('');
  expect(encodeUrlBits(text)!.length).toBeLessThanOrEqual((6400 * 6.7) / 8);
  // longer than the parse arrays kept between calls, then a short one that reuses them
  expect(decodeUrlBits(encodeUrlBits(text)!, 0)).toBe(text);
  expect(decodeUrlBits(encodeUrlBits('https://e.com/')!, 0)).toBe('https://e.com/');
  const shop = 'https://www.example-shop.com/products/linen-shirt?utm_source=newsletter&utm_medium=email';
  expect(encodeUrlBits(shop)!.length).toBeLessThan(encodeUrlText(shop)!.length);
});

it('property: every printable ASCII text and trackable URL round-trips; anything else is left to UTF-8', () => {
  fc.assert(
    fc.property(fc.oneof(printable, trackableUrl), (url) => {
      const bits = encodeUrlBits(url);
      if (!/^[\x20-\x7e]*$/.test(url)) return expect(bits).toBeNull();
      expect(decodeUrlBits(Buffer.concat([Buffer.from([0xab, 0xcd]), bits!]), 2)).toBe(url);
    }),
  );
});

it('reads the last byte\'s filling as nothing, and refuses an end that is neither a symbol nor the filling', () => {
  // "a" is fewer than 8 bits: the rest of its byte is filling
  expect(encodeUrlBits('a')).toHaveLength(1);
  expect(decodeUrlBits(encodeUrlBits('a')!, 0)).toBe('a');
  // a whole byte of filling; bits after the last symbol that are not all ones (no code is under 5 bits)
  expect(decodeUrlBits(Buffer.from([0xff]), 0)).toBeNull();
  expect(decodeUrlBits(Buffer.from([0x00]), 0)).toBeNull();
  expect(decodeUrlBits(Buffer.from([0x00, 0x00]), 0)).toBeNull();
});
