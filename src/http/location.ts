// The redirect's Location header: the author's URL as plain HTTP clients
// (curl, HTTP libraries, link checkers) can follow it. A header carries
// bytes, and a client resolves the host it reads there as written, so this
// does what the WHATWG URL serializer does where the author's text cannot
// travel as it is, and nothing else: the host in its ASCII (IDNA) form when
// it was written otherwise, and characters a URI cannot hold
// percent-encoded as UTF-8. Every byte already valid stays as written:
// existing %xx escapes (never encoded twice), case, ports, dot segments and
// the query's own characters. Pure.

/** Each component's characters to encode: non-ASCII and controls, plus the ASCII ones WHATWG encodes there that RFC 3986 forbids too. */
const ENCODE = {
  userinfo: /[^\x21-\x7e]|["<>`{}|\\^[\]@]/gu,
  path: /[^\x21-\x7e]|["<>`{}]/gu,
  query: /[^\x21-\x7e]|["<>]/gu,
  fragment: /[^\x21-\x7e]|["<>`]/gu,
  opaque: /[^\x21-\x7e]/gu,
} as const;

type Component = keyof typeof ENCODE;

/**
 * The common case, returned as it is: an ASCII host (IP literals included)
 * without userinfo or escapes, then nothing that any component would encode.
 */
const ALREADY_VALID = /^https?:\/\/[A-Za-z0-9.:[\]-]+(?:[/?#][!#-;=?-[\]^_a-z|~]*)?$/i;
/** http(s), then any run of slashes or backslashes (WHATWG reads them all as the authority's "//"). */
const SPECIAL_START = /^(https?:)[\\/]*/i;
/** A host as DNS and every client reads it: ASCII without percent-escapes (IPv6 literals included). */
const ASCII_HOST = /^[\x21-\x24\x26-\x7e]*$/;

function encodeComponent(text: string, component: Component): string {
  return text.replace(ENCODE[component], (char) => {
    // A lone surrogate cannot be UTF-8: WHATWG reads it as U+FFFD.
    if (char.length === 1 && char >= '\ud800' && char <= '\udfff') return '%EF%BF%BD';
    return encodeURIComponent(char);
  });
}

/** The WHATWG host of the URL (IDNA ToASCII, escapes decoded), or null when it does not parse. */
function asciiHost(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** What follows the host: the path (backslashes read as slashes, as WHATWG does), the query, the fragment. */
function encodeTail(tail: string): string {
  const hash = tail.indexOf('#');
  const beforeHash = hash === -1 ? tail : tail.slice(0, hash);
  const question = beforeHash.indexOf('?');
  const path = question === -1 ? beforeHash : beforeHash.slice(0, question);
  let out = encodeComponent(path.replace(/\\/g, '/'), 'path');
  if (question !== -1) out += `?${encodeComponent(beforeHash.slice(question + 1), 'query')}`;
  if (hash !== -1) out += `#${encodeComponent(tail.slice(hash + 1), 'fragment')}`;
  return out;
}

function encodeUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  if (colon === -1) return encodeComponent(userinfo, 'userinfo');
  return `${encodeComponent(userinfo.slice(0, colon), 'userinfo')}:${encodeComponent(userinfo.slice(colon + 1), 'userinfo')}`;
}

export function locationHeader(written: string): string {
  if (ALREADY_VALID.test(written)) return written;
  // What every URL parser drops before reading (the rewriter has trimmed and refused these already).
  const url = written.replace(/^[\x00-\x20]+|[\x00-\x20]+$|[\t\n\r]/g, '');
  const start = SPECIAL_START.exec(url);
  // Not http(s) (the trap link, or a URL the rewriter let through as it is): only what a header cannot carry.
  if (start === null) return encodeComponent(written, 'opaque');
  const afterSlashes = url.slice(start[0].length);
  const authorityEnd = afterSlashes.search(/[/\\?#]/);
  const authority = authorityEnd === -1 ? afterSlashes : afterSlashes.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? '' : afterSlashes.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(at + 1);
  const portAt = hostAndPort.startsWith('[') ? hostAndPort.indexOf(':', hostAndPort.indexOf(']')) : hostAndPort.indexOf(':');
  const writtenHost = portAt === -1 ? hostAndPort : hostAndPort.slice(0, portAt);
  const host = ASCII_HOST.test(writtenHost) ? writtenHost : asciiHost(url);
  if (host === null) return encodeComponent(url, 'opaque');
  const userinfo = at === -1 ? '' : `${encodeUserinfo(authority.slice(0, at))}@`;
  const port = portAt === -1 ? '' : encodeComponent(hostAndPort.slice(portAt), 'opaque');
  return `${start[1]}//${userinfo}${host}${port}${encodeTail(tail)}`;
}
