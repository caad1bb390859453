// The short token format's URL text: printable ASCII written as itself, and
// common URL parts (scheme prefixes, domains, UTM parameters, path words)
// written as one byte each, from a built-in codebook. Decoding is a table
// look-up per byte, so the redirect pays next to nothing for it; deflate
// with a preset dictionary was measured against it (docs/rewriting.md).
// The same code bytes are the symbols events/url-huffman.ts writes in
// prefix codes of a few bits each.
//
// FROZEN: tokens in sent emails decode with this exact list, forever. A
// change needs a new token format byte (events/tokens.ts), never an edit.

/** One code byte each: 0x80-0xFF, then 0x00-0x1F (controls never reach this form). */
const ENTRIES: readonly string[] = [
  // where URLs start
  'https://www.', 'http://www.', 'https://', 'http://', 'www.',
  // endings of hosts and files
  '.com/', '.com', '.org/', '.org', '.net/', '.net', '.io/', '.io', '.co.uk/', '.co/', '.de/', '.fr/',
  '.html', '.htm', '.php', '.aspx',
  // hosts people link to from emails
  'google.com/', 'facebook.com/', 'twitter.com/', 'linkedin.com/', 'instagram.com/', 'youtube.com/',
  'github.com/', 'apple.com/', 'amazon.', 'microsoft.com/', 'bit.ly/',
  // campaign parameters
  '?utm_source=', '&utm_source=', '&utm_medium=', 'utm_medium=', '&utm_campaign=', 'utm_campaign=',
  '&utm_content=', '&utm_term=', 'newsletter', 'email', 'mail',
  // other query parts
  '?id=', '&id=', '?ref=', '?page=', '?v=', 'watch?v=', '?q=', '?p=', '?token=', '&token=', '?code=',
  '&email=', '?email=',
  // path words
  '/index', '/blog/', '/news/', '/article', '/products/', '/product/', '/collections/', '/category/',
  '/account', '/login', '/signin', '/signup', '/register', '/download', '/support', '/help', '/contact',
  '/about', '/pricing', '/events/', '/event', '/webinar', '/en/', '/en-us/', '/en-gb/', '/20',
  'view', 'track', 'click', 'redirect', 'invoice', 'order', 'cart', 'checkout', 'settings', 'profile',
  'dashboard', 'user', 'confirm', 'verify', 'reset', 'password', 'activate', 'invite', 'survey',
  'feedback', 'terms', 'privacy', 'policy', 'shop', 'store', 'sale', 'offer', 'promo', '/docs/',
  'community', 'resource', 'template', 'article', 'subscri', 'campaign', 'content', 'share', 'status',
  'update', 'manage', 'preferences', 'company', 'service',
  // common letter groups and escapes
  'the', 'and', 'ing', 'tion', 'ment', 'er', 're', 'on', 'in', 'es', 'en', 'an', 'at', 'or', 'st', 'al',
  '%20', '%2F', '%3D', '%3A', 'pre', 'con', 'app', 'ion', 'ate', 'le', 'ed',
];

const HIGH_CODES = 0x80;
if (ENTRIES.length > HIGH_CODES + 0x20) throw new Error('the URL codebook has more entries than code bytes');
const codeOf = (index: number): number => (index < HIGH_CODES ? 0x80 + index : index - HIGH_CODES);
const entryAt = new Array<string | undefined>(256);
ENTRIES.forEach((entry, index) => (entryAt[codeOf(index)] = entry));

/** Entries by the code of their first character, longest first, each with its code. */
const candidates: { entry: string; code: number }[][] = Array.from({ length: 0x80 }, () => []);
ENTRIES.forEach((entry, index) => candidates[entry.charCodeAt(0)].push({ entry, code: codeOf(index) }));
for (const list of candidates) list.sort((a, b) => b.entry.length - a.entry.length);

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Whether `byte` is a code byte some URL text holds: a printable ASCII character or an entry's code. */
export const isUrlSymbol = (byte: number): boolean => (byte >= 0x20 && byte < 0x7f) || entryAt[byte] !== undefined;

/** Parse arrays for URLs of up to 4 Ki characters, nearly all of them. */
const REUSED = { cost: new Uint32Array(4097), step: new Int16Array(4097) };

/**
 * The URL as code bytes (its characters and codebook entries) of the least
 * total cost, each byte costing `costOf[byte]` (a shortest path over the
 * text), or null when it holds anything but printable ASCII.
 */
export function parseUrlText(url: string, costOf: ArrayLike<number>): Buffer | null {
  if (!PRINTABLE_ASCII.test(url)) return null;
  const n = url.length;
  // Reused between calls: minting parses every link of an email twice, and fresh arrays cost more than the
  // parse. Not grown: a hostile megabyte-long href must not pin megabytes for the life of the process.
  const cost = n < REUSED.cost.length ? REUSED.cost : new Uint32Array(n + 1);
  const step = n < REUSED.cost.length ? REUSED.step : new Int16Array(n);
  // cost[i]: least cost of url[i..]; step[i]: the code taken at i (-1: the literal character).
  cost[n] = 0;
  let symbols = 0;
  for (let i = n - 1; i >= 0; i--) {
    const first = url.charCodeAt(i);
    cost[i] = cost[i + 1] + costOf[first];
    step[i] = -1;
    const list = candidates[first];
    for (let k = 0; k < list.length; k++) {
      const { entry, code } = list[k]!;
      const through = cost[i + entry.length] + costOf[code];
      if (through < cost[i] && i + entry.length <= n && url.startsWith(entry, i)) {
        cost[i] = through;
        step[i] = code;
      }
    }
  }
  for (let i = 0; i < n; symbols++) i += step[i] === -1 ? 1 : entryAt[step[i]]!.length;
  const out = Buffer.allocUnsafe(symbols);
  for (let i = 0, at = 0; i < n; at++) {
    const code = step[i];
    out[at] = code === -1 ? url.charCodeAt(i) : code;
    i += code === -1 ? 1 : entryAt[code]!.length;
  }
  return out;
}

const ONE_BYTE_EACH = new Uint8Array(256).fill(1);

/**
 * The URL in the fewest code bytes (never longer than the text itself), or
 * null when it holds anything but printable ASCII, which then travels as UTF-8.
 */
export const encodeUrlText = (url: string): Buffer | null => parseUrlText(url, ONE_BYTE_EACH);

/** Each entry's character codes, by code byte. */
export const entryCodes: readonly (Uint8Array | undefined)[] = entryAt.map((entry) => (entry === undefined ? undefined : new Uint8Array(Buffer.from(entry, 'latin1'))));
let scratch = Buffer.allocUnsafe(4096);

/**
 * The URL text of `bytes[start..]`, or null for a byte no encoder writes
 * (DEL). Expanded byte by byte into a reused buffer and read once: the
 * redirect pays a fraction of a microsecond (a Buffer read per literal run,
 * or a regular expression, cost several times more).
 */
export function decodeUrlText(bytes: Buffer, start: number): string | null {
  let length = 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte >= 0x20 && byte < 0x7f) length++;
    else if (entryCodes[byte] === undefined) return null;
    else length += entryCodes[byte]!.length;
  }
  if (scratch.length < length) scratch = Buffer.allocUnsafe(length);
  let at = 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    const codes = entryCodes[byte];
    if (codes === undefined) scratch[at++] = byte;
    else for (let j = 0; j < codes.length; j++) scratch[at++] = codes[j];
  }
  return scratch.toString('latin1', 0, length);
}
