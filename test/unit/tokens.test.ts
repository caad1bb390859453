import fc from 'fast-check';
import { MAX_TOKEN_LENGTH, TokenCodec } from '../../src/events/tokens';

const codec = new TokenCodec('unit-tracking-secret-0123456789abcdef');
const sendId = '0b6f9f5e-3c1a-4d2b-9e8f-7a6b5c4d3e2f';

describe('TokenCodec', () => {
  it('round-trips open and click tokens using only [A-Za-z0-9_-]', () => {
    const open = codec.encodeOpen('acme', sendId);
    const click = codec.encodeClick('acme', sendId, 7, 'https://example.com/a?b=c&d=é#f');
    expect(open).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(click).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(open)).toEqual({ kind: 'open', orgId: 'acme', sendId });
    expect(codec.decode(click)).toEqual({ kind: 'click', orgId: 'acme', sendId, position: 7, url: 'https://example.com/a?b=c&d=é#f' });
  });

  it('refuses tokens signed with another secret, truncated, extended or altered', () => {
    const click = codec.encodeClick('acme', sendId, 0, 'https://example.com/');
    const other = new TokenCodec('another-secret-0123456789abcdef-0123');
    expect(codec.decode(other.encodeClick('acme', sendId, 0, 'https://example.com/'))).toBeNull();
    expect(codec.decode(click.slice(0, -1))).toBeNull();
    expect(codec.decode(`${click}A`)).toBeNull();
    expect(codec.decode(`${click.slice(0, 5)}${click[5] === 'x' ? 'y' : 'x'}${click.slice(6)}`)).toBeNull();
  });

  it('refuses a token with a character appended, whatever its length modulo 4 (base64url drops a lone last character)', () => {
    for (let length = 0; length < 8; length++) {
      const token = codec.encodeClick('acme', sendId, 0, `https://example.com/${'x'.repeat(length)}`);
      for (const extra of ['A', 'AA', 'AAA', 'AAAA']) expect(codec.decode(`${token}${extra}`)).toBeNull();
    }
  });

  it('refuses garbage without work: wrong alphabet, empty, over the length bound', () => {
    for (const token of ['', 'abc', 'a/b', 'x'.repeat(MAX_TOKEN_LENGTH + 1), 'A'.repeat(200), '%00%00%00%00%00%00%00%00%00']) {
      expect(codec.decode(token)).toBeNull();
    }
  });

  it('never confuses open, click and trap tokens', () => {
    expect(codec.decode(codec.encodeOpen('acme', sendId))?.kind).toBe('open');
    expect(codec.decode(codec.encodeClick('acme', sendId, 0, ''))?.kind).toBe('click');
    expect(codec.decode(codec.encodeTrap('acme', sendId))?.kind).toBe('trap');
  });

  it('round-trips the trap token, which no other secret can mint', () => {
    const trap = codec.encodeTrap('acme', sendId);
    expect(trap).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(trap)).toEqual({ kind: 'trap', orgId: 'acme', sendId });
    expect(codec.decode(new TokenCodec('another-secret-0123456789abcdef-0123').encodeTrap('acme', sendId))).toBeNull();
    expect(codec.decode(`${trap}A`)).toBeNull();
  });

  it('keeps decoding tokens minted before the trap kind existed (emails already sent)', () => {
    expect(codec.decode('AQtvn148Gk0rno96a1xNPi8EYWNtZampE75KFgkr2KZPMIgF0I8')).toEqual({ kind: 'open', orgId: 'acme', sendId });
    expect(codec.decode('Agtvn148Gk0rno96a1xNPi8EYWNtZQJodHRwczovL2V4YW1wbGUuY29tL3jCqs27Wh8UrKjEUFGbHByQ')).toEqual({
      kind: 'click',
      orgId: 'acme',
      sendId,
      position: 2,
      url: 'https://example.com/x',
    });
  });

  it('property: every encoded token decodes to what was encoded', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.uuid(), fc.nat(1_000_000), fc.string({ maxLength: 2000 }), (org, id, position, url) => {
        // Strings with lone surrogates do not survive UTF-8; ids and URLs never carry them.
        fc.pre(Buffer.from(org, 'utf8').toString('utf8') === org && Buffer.from(url, 'utf8').toString('utf8') === url);
        const token = codec.encodeClick(org, id, position, url);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(codec.decode(token)).toEqual({ kind: 'click', orgId: org, sendId: id.toLowerCase(), position, url });
        expect(codec.decode(codec.encodeOpen(org, id))).toEqual({ kind: 'open', orgId: org, sendId: id.toLowerCase() });
        expect(codec.decode(codec.encodeTrap(org, id))).toEqual({ kind: 'trap', orgId: org, sendId: id.toLowerCase() });
      }),
    );
  });

  it('property: no random string is accepted as a token', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{0,300}$/), (token) => {
        expect(codec.decode(token)).toBeNull();
      }),
    );
  });

  it('property: flipping any single character of a valid token invalidates it', () => {
    const token = codec.encodeClick('acme', sendId, 3, 'https://example.com/path');
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), (index, char) => {
        fc.pre(token[index] !== char);
        const altered = token.slice(0, index) + char + token.slice(index + 1);
        // the last character may carry unused bits: the decoded bytes, not the text, are what is signed
        const sameBytes = Buffer.from(altered, 'base64url').equals(Buffer.from(token, 'base64url'));
        expect(codec.decode(altered) === null).toBe(!sameBytes);
      }),
    );
  });
});
