// The short token format (issue 27) beside the first one: what it packs and
// how, what it refuses, and that first-format tokens of any contents still
// decode (the committed fixture checks the ones really minted).
import fc from 'fast-check';
import { TokenCodec } from '../../src/events/tokens';
import { decodeUrlText, encodeUrlText } from '../../src/events/url-codebook';
import { encodeUrlBits } from '../../src/events/url-huffman';
import { firstFormatToken, signedShortPayload } from './helpers/first-format-tokens';
import { trackableUrl } from './helpers/url-arbitraries';

const SECRET = 'unit-tracking-secret-0123456789abcdef';
const codec = new TokenCodec(SECRET);
const sendId = '0b6f9f5e-3c1a-4d2b-9e8f-7a6b5c4d3e2f';
const payloadOf = (token: string) => Buffer.from(token, 'base64url').subarray(0, -12);
const utf8Safe = (text: string) => Buffer.from(text, 'utf8').toString('utf8') === text;

describe('the short format', () => {
  it('is what every token is minted in: a header byte with the high bit set, a 96-bit tag', () => {
    for (const token of [codec.encodeOpen('acme', sendId), codec.encodeTrap('acme', sendId), codec.encodeClick('acme', sendId, 0, 'https://example.com/')]) {
      expect(Buffer.from(token, 'base64url')[0]! & 0x80).toBe(0x80);
    }
    // header, send id, "acme" with its length, tag
    expect(Buffer.from(codec.encodeOpen('acme', sendId), 'base64url').length).toBe(1 + 16 + 5 + 12);
  });

  it('packs a canonical UUID or decimal organisation id into bytes, and keeps every other id exactly', () => {
    const uuidOrg = '7d9c3b2a-1e4f-4a6b-9c8d-2e3f4a5b6c7d';
    expect(Buffer.from(codec.encodeOpen(uuidOrg, sendId), 'base64url').length).toBe(1 + 16 + 16 + 12);
    expect(Buffer.from(codec.encodeOpen('4211', sendId), 'base64url').length).toBe(1 + 16 + 2 + 12);
    for (const orgId of [uuidOrg, uuidOrg.toUpperCase(), '4211', '0', '007', '9007199254740991', '9007199254740993', '-1', '1e3', 'société', 'x'.repeat(200)]) {
      expect(codec.decode(codec.encodeOpen(orgId, sendId))).toEqual({ kind: 'open', orgId, sendId });
      expect(codec.decode(codec.encodeClick(orgId, sendId, 3, 'https://example.com/'))).toEqual({ kind: 'click', orgId, sendId, position: 3, url: 'https://example.com/' });
    }
  });

  it('writes common URL parts as one byte each and other ASCII as itself; anything else as UTF-8', () => {
    const url = 'https://www.example.com/blog/?utm_source=newsletter&utm_medium=email';
    const packed = encodeUrlText(url)!;
    // "https://www." "examp" "le" ".com" "/blog/" "?utm_source=" "newsletter" "&utm_medium=" "email": the
    // shortest way, not the greedy one (".com/" then "blog/" would take four bytes more)
    expect(packed.length).toBe(13);
    expect(decodeUrlText(packed, 0)).toBe(url);
    expect(encodeUrlText('https://exämple.de/')).toBeNull();
    expect(encodeUrlText('https://example.com/\tx')).toBeNull();
    expect(codec.decode(codec.encodeClick('acme', sendId, 1, 'https://exämple.de/straße'))).toMatchObject({ url: 'https://exämple.de/straße' });
  });

  it('refuses a correctly signed payload with a header no encoder writes', () => {
    const open = payloadOf(codec.encodeOpen('acme', sendId));
    const click = payloadOf(codec.encodeClick('acme', sendId, 0, 'https://example.com/'));
    const withHeader = (payload: Buffer, header: number) => Buffer.concat([Buffer.from([header]), payload.subarray(1)]);
    // header, send id, "acme" with its length, position 0: the URL's bytes follow
    const clickWith = (form: number, url: Buffer) => Buffer.concat([withHeader(click.subarray(0, 23), (click[0]! & 0xf8) | form), url]);
    // kind 0; org id form 3; URL forms 3 to 7 on a click; any URL form on an open
    for (const payload of [withHeader(open, open[0]! & 0x9f), withHeader(open, open[0]! | 0x18), withHeader(open, open[0]! | 0x01)]) {
      expect(codec.decode(signedShortPayload(SECRET, payload))).toBeNull();
    }
    for (let form = 3; form < 8; form++) expect(codec.decode(signedShortPayload(SECRET, clickWith(form, click.subarray(23))))).toBeNull();
    // an open with bytes after its org id; a codebook URL holding DEL; prefix codes ending in a whole byte of filling
    expect(codec.decode(signedShortPayload(SECRET, Buffer.concat([open, Buffer.from('x')])))).toBeNull();
    expect(codec.decode(signedShortPayload(SECRET, clickWith(1, Buffer.from('https://example.com/\x7f', 'latin1'))))).toBeNull();
    expect(codec.decode(signedShortPayload(SECRET, clickWith(2, Buffer.from([0xff]))))).toBeNull();
    // the sanity checks: the same helper signs what the encoders would have written
    expect(codec.decode(signedShortPayload(SECRET, open))).toEqual({ kind: 'open', orgId: 'acme', sendId });
    for (const payload of [clickWith(1, Buffer.from('https://example.com/')), clickWith(2, encodeUrlBits('https://example.com/')!)]) {
      expect(codec.decode(signedShortPayload(SECRET, payload))).toEqual({ kind: 'click', orgId: 'acme', sendId, position: 0, url: 'https://example.com/' });
    }
  });

  it('a short payload under the first format\'s key, or the other way round, is refused', () => {
    const click = payloadOf(codec.encodeClick('acme', sendId, 0, 'https://example.com/'));
    const underFirstKey = firstFormatToken(SECRET, 'click', 'acme', sendId, { position: 0, url: 'x' });
    expect(codec.decode(underFirstKey)).not.toBeNull();
    expect(codec.decode(Buffer.concat([click, Buffer.from(underFirstKey, 'base64url').subarray(-16)]).toString('base64url'))).toBeNull();
  });

  it('property: every URL, organisation and position round-trips, in [A-Za-z0-9_-] only', () => {
    const urls = fc.oneof(trackableUrl, fc.string({ maxLength: 300 }), fc.stringMatching(/^https:\/\/(www\.)?[a-z.]{1,20}\.com\/[a-z/?=&_%-]{0,80}$/));
    fc.assert(
      fc.property(fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.uuid(), fc.nat().map(String)), urls, fc.nat(100_000), (orgId, url, position) => {
        fc.pre(utf8Safe(orgId) && utf8Safe(url));
        const token = codec.encodeClick(orgId, sendId, position, url);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(codec.decode(token)).toEqual({ kind: 'click', orgId, sendId, position, url });
      }),
    );
  });

  it('property: first-format tokens of any contents still decode, and only with their secret', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), fc.uuid(), fc.nat(1_000_000), fc.string({ maxLength: 500 }), (orgId, id, position, url) => {
        fc.pre(utf8Safe(orgId) && utf8Safe(url));
        const sendIdOf = id.toLowerCase();
        expect(codec.decode(firstFormatToken(SECRET, 'click', orgId, id, { position, url }))).toEqual({ kind: 'click', orgId, sendId: sendIdOf, position, url });
        expect(codec.decode(firstFormatToken(SECRET, 'open', orgId, id))).toEqual({ kind: 'open', orgId, sendId: sendIdOf });
        expect(codec.decode(firstFormatToken(SECRET, 'trap', orgId, id))).toEqual({ kind: 'trap', orgId, sendId: sendIdOf });
        expect(codec.decode(firstFormatToken(`${SECRET}x`, 'open', orgId, id))).toBeNull();
      }),
    );
  });
});
