// Links as people write them, for the redirect's property tests: IDN and
// percent-encoded hosts, IP literals, ports, userinfo, and paths, queries and
// fragments mixing ASCII, non-ASCII, existing escapes, spaces and quotes.
import fc from 'fast-check';
import { isAbsoluteHttpUrl } from '../../../src/instrument/link-rules';

/** Characters RFC 3986 allows in a path segment as they are (besides %xx). */
const PCHAR = "abcxyzABCXYZ0189-._~!$&'()*+,;=:@".split('');
const NON_ASCII = ['ü', 'ß', 'é', 'ø', 'ñ', '日本', 'пример', '😀', '\u00a0', '\u200b', '\ufffd'];
/** Printable ASCII a URI may not hold as it is: WHATWG encodes some, browsers send the others raw. */
const AWKWARD_ASCII = [' ', '"', '<', '>', '`', '{', '}', '|', '^', '\\', '[', ']'];
const ESCAPES = ['%20', '%C3%BC', '%c3%bc', '%25', '%2F', '%3F', '%23', '%E2%80%99', '%', '%zz', '%4'];

const segmentChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PCHAR) },
  { weight: 2, arbitrary: fc.constantFrom(...NON_ASCII) },
  { weight: 1, arbitrary: fc.constantFrom(...AWKWARD_ASCII) },
  { weight: 2, arbitrary: fc.constantFrom(...ESCAPES) },
);
export const text = (maxLength: number) => fc.string({ unit: segmentChar, maxLength });
const VALID_ESCAPES = ESCAPES.filter((escape) => /^%[0-9A-Fa-f]{2}$/.test(escape));
/** Only what RFC 3986 allows: such a URL must come out byte for byte. */
const validText = (maxLength: number) => fc.string({ unit: fc.oneof(fc.constantFrom(...PCHAR, '/', '?'), fc.constantFrom(...VALID_ESCAPES)), maxLength });

const IDN_LABELS = ['bücher', 'straße', 'café', 'пример', '例え', 'テスト', 'ＥＸＡＭＰＬＥ', 'xn--bcher-kva', 'Mañana', 'ü'];
const label = fc.oneof(fc.constantFrom(...IDN_LABELS), fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/));
const tld = fc.constantFrom('example', 'test', 'com', 'de', 'рф', 'テスト', 'EXAMPLE');
/** A registered-name host, sometimes written with percent-escapes of its UTF-8 as some editors do. */
export const nameHost = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), tld, fc.boolean())
  .map(([labels, top, escaped]) => {
    const host = [...labels, top].join('.');
    return escaped ? host.replace(/[^\x00-\x7f]+/gu, (run) => encodeURIComponent(run)) : host;
  });
const ipv6Host = fc.constantFrom('[::1]', '[2001:db8::1]', '[2001:DB8:0:0:0:0:0:1]', '[::ffff:192.0.2.1]');
const ipv4Host = fc.constantFrom('127.0.0.1', '192.0.2.10', '10.1.2.3');
export const host = fc.oneof({ weight: 5, arbitrary: nameHost }, { weight: 1, arbitrary: ipv4Host }, { weight: 1, arbitrary: ipv6Host });

export const userinfo = fc.option(
  fc.tuple(fc.string({ unit: fc.constantFrom('u', 's', 'é', ' ', '%40', ';', '='), minLength: 1, maxLength: 5 }), fc.option(text(5))),
  { nil: undefined },
);

export interface UrlParts {
  scheme: string;
  userinfo: [string, string | null] | undefined;
  host: string;
  port: number | undefined;
  path: string[];
  query: string | undefined;
  fragment: string | undefined;
}

export const urlParts: fc.Arbitrary<UrlParts> = fc.record({
  scheme: fc.constantFrom('http', 'https', 'HTTPS', 'Http'),
  userinfo,
  host,
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  path: fc.array(text(8), { maxLength: 4 }),
  query: fc.option(text(12), { nil: undefined }),
  fragment: fc.option(text(8), { nil: undefined }),
});

export function joinUrl(parts: UrlParts, port = parts.port): string {
  const auth = parts.userinfo ? `${parts.userinfo[0]}${parts.userinfo[1] === null ? '' : `:${parts.userinfo[1]}`}@` : '';
  const path = parts.path.map((segment) => `/${segment}`).join('');
  const query = parts.query === undefined ? '' : `?${parts.query}`;
  const fragment = parts.fragment === undefined ? '' : `#${parts.fragment}`;
  return `${parts.scheme}://${auth}${parts.host}${port === undefined ? '' : `:${port}`}${path}${query}${fragment}`;
}

/** URLs the rewriter would track: absolute http(s) that the WHATWG parser accepts, host included. */
export const trackableUrl = urlParts.map((parts) => joinUrl(parts)).filter(isAbsoluteHttpUrl);

const asciiLabel = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?$/);

/** Absolute http(s) URLs of RFC 3986 characters only, with a plain ASCII host. */
export const validAsciiUrl = fc
  .record({
    scheme: fc.constantFrom('http', 'https', 'HTTPS'),
    userinfo: fc.option(fc.tuple(validText(4).map((user) => user.replace(/[@/?:]/g, '') || 'u'), fc.constant(null)), { nil: undefined }),
    host: fc.oneof(fc.tuple(fc.array(asciiLabel, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'Example', 'xn--zckzah')).map(([labels, top]) => [...labels, top].join('.')), ipv4Host, ipv6Host),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    path: fc.array(validText(8).map((segment) => segment.replace(/\?/g, '')), { maxLength: 4 }),
    query: fc.option(validText(12), { nil: undefined }),
    fragment: fc.option(validText(8), { nil: undefined }),
  })
  .map((parts) => joinUrl(parts))
  .filter(isAbsoluteHttpUrl);
