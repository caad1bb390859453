// The redirect's Location header: what plain HTTP clients can follow, with
// every byte the author wrote that is already valid kept as written.
import fc from 'fast-check';
import { locationHeader } from '../../src/http/location';
import { trackableUrl, validAsciiUrl } from './helpers/url-arbitraries';

/** RFC 3986 appendix B: the generic split, no repair of any kind. */
const RFC3986 = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;
/** What a resolver or a socket takes as it is: LDH labels (so IDNA A-labels), or an IP literal. */
const RESOLVABLE_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+$|^\[[0-9A-Fa-f:.]+\]$/;

function hostOf(location: string): string {
  const authority = RFC3986.exec(location)![2] ?? '';
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
  return hostAndPort.startsWith('[') ? hostAndPort.slice(0, hostAndPort.indexOf(']') + 1) : hostAndPort.replace(/:\d*$/, '');
}

describe('locationHeader examples', () => {
  it.each([
    // IDN hosts: the ASCII (punycode) form, whatever way the author wrote them
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['https://BÜCHER.Example/Straße', 'https://xn--bcher-kva.example/Stra%C3%9Fe'],
    ['https://b%C3%BCcher.example/x', 'https://xn--bcher-kva.example/x'],
    ['http://例え.テスト/', 'http://xn--r8jz45g.xn--zckzah/'],
    ['https://ＥＸＡＭＰＬＥ。com/a', 'https://example.com/a'],
    ['https://xn--bcher-kva.example/ü', 'https://xn--bcher-kva.example/%C3%BC'],
    // non-ASCII in path, query and fragment: UTF-8 escapes
    ['https://e.com/ünï?q=ü&x=日本#café', 'https://e.com/%C3%BCn%C3%AF?q=%C3%BC&x=%E6%97%A5%E6%9C%AC#caf%C3%A9'],
    ['https://e.com/😀', 'https://e.com/%F0%9F%98%80'],
    // already encoded: never encoded twice, case of the escapes kept, stray % kept
    ['https://e.com/a%20b?q=%C3%BC%2F&r=%25', 'https://e.com/a%20b?q=%C3%BC%2F&r=%25'],
    ['https://e.com/%C3%BC/ü', 'https://e.com/%C3%BC/%C3%BC'],
    ['https://e.com/%c3%bc?x=100%&y=%zz', 'https://e.com/%c3%bc?x=100%&y=%zz'],
    // IP literals, ports, userinfo
    ['http://[2001:DB8::1]:8080/p?q=1', 'http://[2001:DB8::1]:8080/p?q=1'],
    ['http://[::1]/ü', 'http://[::1]/%C3%BC'],
    ['http://192.0.2.1:81/ä', 'http://192.0.2.1:81/%C3%A4'],
    ['https://bücher.example:8443/x', 'https://xn--bcher-kva.example:8443/x'],
    ['HTTPS://Example.COM:0443/a/./b/../c', 'HTTPS://Example.COM:0443/a/./b/../c'],
    ['https://jörg:pa ss@bücher.example/', 'https://j%C3%B6rg:pa%20ss@xn--bcher-kva.example/'],
    ['https://a@b:c:d@e.com/', 'https://a%40b:c:d@e.com/'],
    // spaces and quotes: what a URI cannot hold is escaped; the query's own ' stays
    ['https://e.com/a b/"c"?q=a b&r="x"&s=\'y\'#f "g"', 'https://e.com/a%20b/%22c%22?q=a%20b&r=%22x%22&s=\'y\'#f%20%22g%22'],
    ['https://e.com/<a>`{}?q=<b>`{}|#<c>`', 'https://e.com/%3Ca%3E%60%7B%7D?q=%3Cb%3E`{}|#%3Cc%3E%60'],
    // backslashes are slashes in http(s) URLs, as every browser reads them
    ['https:\\\\e.com\\a\\b?x=\\', 'https://e.com/a/b?x=\\'],
    ['https:e.com/x', 'https://e.com/x'],
    // fragments: a second # and a ? stay in the fragment
    ['https://e.com/#a?b#c', 'https://e.com/#a?b#c'],
    ['https://e.com', 'https://e.com'],
    // what every URL parser drops before reading
    [' https://e.com/a\tb\n ', 'https://e.com/ab'],
    // UTF-8 cannot carry a lone surrogate: WHATWG reads it as U+FFFD
    ['https://e.com/\udc00x', 'https://e.com/%EF%BF%BDx'],
    // other schemes: only what a header cannot carry
    ['mailto:jörg@e.com', 'mailto:j%C3%B6rg@e.com'],
  ])('%s -> %s', (url, expected) => {
    expect(locationHeader(url)).toBe(expected);
    expect(new URL(expected).href).toBe(new URL(url).href);
  });
});

describe('locationHeader properties', () => {
  it('names the URL the author meant (WHATWG reads it as the same URL)', () => {
    fc.assert(
      fc.property(trackableUrl, (url) => {
        expect(new URL(locationHeader(url)).href).toBe(new URL(url).href);
      }),
      { numRuns: 2000 },
    );
  });

  it('is printable ASCII a plain client can split without repair, with a host a resolver takes as it is', () => {
    fc.assert(
      fc.property(trackableUrl, (url) => {
        const location = locationHeader(url);
        expect(location).toMatch(/^[\x21-\x7e]+$/);
        expect(location).not.toMatch(/["<>]|^[^?#]*[\\`{}]/);
        // resolvable as written whenever a browser could resolve it (a host like `$` parses, but names nothing)
        expect(RESOLVABLE_HOST.test(hostOf(location))).toBe(RESOLVABLE_HOST.test(new URL(url).hostname));
        expect(new URL(`http://${hostOf(location)}`).hostname).toBe(new URL(url).hostname);
      }),
      { numRuns: 2000 },
    );
  });

  it('never encodes twice: applied to its own output it changes nothing, and no %25 appears that the author did not write', () => {
    fc.assert(
      fc.property(trackableUrl, (url) => {
        const location = locationHeader(url);
        expect(locationHeader(location)).toBe(location);
        expect(location.split('%25').length).toBe(url.split('%25').length);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a URL already made of valid URI characters byte for byte', () => {
    fc.assert(
      fc.property(validAsciiUrl, (url) => {
        expect(locationHeader(url)).toBe(url);
      }),
      { numRuns: 2000 },
    );
  });
});
