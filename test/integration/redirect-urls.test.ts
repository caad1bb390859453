// Links as people write them, through the real path: instrumentEmail, then
// /track/click/{token}, then the Location followed by a plain HTTP client
// (node:http with the header's text split by RFC 3986's own regex: no
// browser repair, no WHATWG re-parse). It must reach the URL the author
// meant: the host a browser would resolve, the path and query a browser
// would send, the fragment a browser would keep.
import { createServer, request, type IncomingHttpHeaders, type RequestOptions, type Server } from 'node:http';
import type { LookupFunction } from 'node:net';
import fc from 'fast-check';
import { canParseUrl, isTrackableHref, trimHtmlWhitespace } from '../../src/instrument/link-rules';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { clickTokens, emailInput, instrument, TRACKING_ORIGIN } from '../support/instrument';
import { testTokens } from '../support/sends';
import { joinUrl, urlParts } from '../unit/helpers/url-arbitraries';

const RFC3986 = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;
const DNS_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+$/;

interface Arrival {
  url: string;
  headers: IncomingHttpHeaders;
}

let t: TestApp;
let destination: Server;
let port: number;
let arrivals: Arrival[] = [];

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN });
  destination = createServer((req, res) => {
    arrivals.push({ url: req.url ?? '', headers: req.headers });
    res.end('here');
  });
  // Dual stack, so both 127.0.0.1 and [::1] literals reach it.
  await new Promise<void>((resolve) => destination.listen(0, '::', resolve));
  port = (destination.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => destination.close(resolve));
  await t.close();
});

/** A resolver for the test: every well-formed DNS name is this machine; anything else does not exist, as in real DNS. */
const localDns: LookupFunction = (hostname, options, callback) => {
  if (!DNS_NAME.test(hostname)) {
    callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    return;
  }
  // With autoSelectFamily, node:net asks for every address at once.
  if (options.all) (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

function get(options: RequestOptions | string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The Location of a tracking link, as the redirect sends it. */
async function redirectOf(token: string): Promise<string> {
  const answer = await get(`${t.url}/track/click/${token}`);
  expect(answer.status).toBe(302);
  return answer.headers.location as string;
}

/** Runs of %xx escapes decoded as UTF-8; a stray % left as it is (curl's way). */
const unescape = (text: string) => text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));

/** As curl and HTTP libraries do: user and password with their escapes decoded, the password empty when absent. */
function basicCredentials(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  const [user, password] = colon === -1 ? [userinfo, ''] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
  return `${unescape(user)}:${unescape(password)}`;
}

/** Follows a Location the way curl or an HTTP library does: split it, resolve the host as written, send the path as written. */
async function follow(location: string): Promise<Arrival> {
  const [, scheme, authority = '', path, query] = RFC3986.exec(location)!;
  expect(scheme!.toLowerCase()).toBe('http');
  const at = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(at + 1);
  const [, host, writtenPort] = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostAndPort)!;
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  arrivals = [];
  const answer = await get({
    host: host!.replace(/^\[|\]$/g, ''),
    port: Number(writtenPort || 80),
    path: `${path || '/'}${query === undefined ? '' : `?${query}`}`,
    auth: userinfo === undefined ? undefined : basicCredentials(userinfo),
    lookup: localDns,
    agent: false,
  });
  expect(answer.status).toBe(200);
  expect(arrivals).toHaveLength(1);
  return arrivals[0]!;
}

/** What a browser does with the author's link: the request it sends and the fragment it keeps. */
function expectSameDestination(original: string, location: string, arrival: Arrival): void {
  const meant = new URL(original);
  expect(location).toMatch(/^[\x21-\x7e]+$/);
  expect(arrival.headers.host!.toLowerCase()).toBe(meant.host);
  const sent = new URL(`http://any.example${arrival.url}`);
  expect(sent.pathname + sent.search).toBe(meant.pathname + meant.search);
  expect(new URL(location).hash).toBe(meant.hash);
  const credentials = meant.username === '' ? undefined : `Basic ${Buffer.from(`${unescape(meant.username)}:${unescape(meant.password)}`).toString('base64')}`;
  expect(arrival.headers.authorization).toBe(credentials);
}

const attribute = (url: string) => url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Instruments one email holding `urls`; returns each tracked link's original URL and Location. */
async function redirectsFor(urls: readonly string[]): Promise<{ original: string; location: string }[]> {
  const orgId = uniqueOrg('urls');
  const html = `<html><body>${urls.map((url, i) => `<p><a href="${attribute(url)}">link ${i}</a></p>`).join('')}</body></html>`;
  const result = await instrument(t.url, await tokenFor(orgId, 'crm', 'service'), emailInput({ html }));
  expect(result.errors).toBeUndefined();
  const tokens = clickTokens(result.data!.instrumentEmail.html!);
  // The rewriter reads an href as a browser does: trimmed of HTML whitespace.
  const tracked = urls.map(trimHtmlWhitespace).filter(isTrackableHref);
  expect(tokens.map((token) => (testTokens.decode(token) as { url: string }).url)).toEqual(tracked);
  return Promise.all(tokens.map(async (token, i) => ({ original: tracked[i]!, location: await redirectOf(token) })));
}

describe('following the redirect with a plain HTTP client', () => {
  const examples: [string, (port: number) => string, string][] = [
    ['an IDN host', (p) => `http://bücher.example:${p}/`, `http://xn--bcher-kva.example:PORT/`],
    ['an IDN host in capitals, non-ASCII path, query and fragment', (p) => `http://BÜCHER.example:${p}/straße?q=ü#kapitel-ü`, `http://xn--bcher-kva.example:PORT/stra%C3%9Fe?q=%C3%BC#kapitel-%C3%BC`],
    ['a host written as percent-escapes', (p) => `http://b%C3%BCcher.example:${p}/x`, `http://xn--bcher-kva.example:PORT/x`],
    ['a Japanese host and path', (p) => `http://例え.テスト:${p}/パス?検索=値`, `http://xn--r8jz45g.xn--zckzah:PORT/%E3%83%91%E3%82%B9?%E6%A4%9C%E7%B4%A2=%E5%80%A4`],
    ['full-width letters and an ideographic dot', (p) => `http://ＥＸＡＭＰＬＥ。com:${p}/a`, `http://example.com:PORT/a`],
    ['escapes already there (never twice)', (p) => `http://e.example:${p}/caf%C3%A9/%E2%80%99?q=%25&r=%2F&s=%c3%bc`, `http://e.example:PORT/caf%C3%A9/%E2%80%99?q=%25&r=%2F&s=%c3%bc`],
    ['escapes beside raw characters', (p) => `http://e.example:${p}/a%20b/ü?x=%C3%BC&y=ü`, `http://e.example:PORT/a%20b/%C3%BC?x=%C3%BC&y=%C3%BC`],
    ['an IPv4 literal', (p) => `http://127.0.0.1:${p}/ä?b=ö`, `http://127.0.0.1:PORT/%C3%A4?b=%C3%B6`],
    ['an IPv6 literal', (p) => `http://[::1]:${p}/pfad/ü?x=1`, `http://[::1]:PORT/pfad/%C3%BC?x=1`],
    ['userinfo', (p) => `http://jörg:geheim wort@bücher.example:${p}/login`, `http://j%C3%B6rg:geheim%20wort@xn--bcher-kva.example:PORT/login`],
    ['spaces and quotes', (p) => `http://e.example:${p}/a b/"q"?q=a b&s='x'&d="y"#f "g"`, `http://e.example:PORT/a%20b/%22q%22?q=a%20b&s='x'&d=%22y%22#f%20%22g%22`],
    ['angle brackets and backticks', (p) => `http://e.example:${p}/<1>\`?x=<2>#<3>\``, `http://e.example:PORT/%3C1%3E%60?x=%3C2%3E#%3C3%3E%60`],
    ['a fragment holding ? and #', (p) => `http://e.example:${p}/p#frag?with#hash`, `http://e.example:PORT/p#frag?with#hash`],
    ['case, dot segments and a port as written', (p) => `HTTP://Mixed.Example:${p}/A/./b/../C?Q=1`, `HTTP://Mixed.Example:PORT/A/./b/../C?Q=1`],
  ];

  it.each(examples)('%s', async (_label, build, expected) => {
    const original = build(port);
    const [{ location }] = await redirectsFor([original]);
    expect(location).toBe(expected.replace('PORT', String(port)));
    expectSameDestination(original, location, await follow(location));
  });

  it('random links mixing IDN hosts, IP literals, ports, userinfo, escapes, spaces, quotes and fragments', async () => {
    // Every host must reach the destination: names through the test resolver, IP literals on loopback.
    // (A backslash in the userinfo ends the authority early, as browsers read it: such a link names another host.)
    const reachable = urlParts
      .map((parts) => joinUrl({ ...parts, scheme: parts.scheme.replace(/s$/i, ''), host: parts.host.startsWith('[') ? '[::1]' : /^[\d.]+$/.test(parts.host) ? '127.0.0.1' : parts.host }, port))
      .filter((url) => canParseUrl(url) && new URL(url).port === String(port));
    await fc.assert(
      fc.asyncProperty(fc.array(reachable, { minLength: 1, maxLength: 6 }), async (urls) => {
        for (const { original, location } of await redirectsFor(urls)) expectSameDestination(original, location, await follow(location));
      }),
      { numRuns: 30 },
    );
  });
});
