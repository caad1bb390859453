// What the user-agent library does not know: the mail clients and the
// mailbox providers' image proxies, told by their own tokens. Checked before
// the library, in order; the first match wins. Pure.
//
// Sources (see ../shared/realworld/user-agents/SOURCES.md for the strings):
// - Proxies: Google's image proxy ("GoogleImageProxy", "via ggpht.com"; the
//   Gmail web and apps load every image through it), Gmail's prefetcher
//   (SparkPost/Bird, "Gmail is Prefetching Images", 2022: a 2015 Edge UA with
//   a second "Mozilla/5.0"), YahooMailProxy and Yahoo Link Preview
//   (help.yahoo.com, senders.yahooinc.com), and the image proxies of Seznam,
//   Rambler, ukr.net, Fastmail, Startpage, imgproxy and Chrome's prefetch
//   proxy (Matomo DeviceDetector's bots.yml, monperrus/crawler-user-agents).
// - Clients: Matomo DeviceDetector's "pim" fixtures and regexes for Outlook
//   (ms-office / MSOffice / "Microsoft Outlook", Outlook-iOS/-Android,
//   MacOutlook), Thunderbird and Debian's Icedove, Apple Mail's own
//   "Mail/<build> CFNetwork", the Gmail and Yahoo Mail apps, and the other
//   desktop and Electron mail clients whose UA otherwise reads as a browser.
import type { Device, MailClient } from './client-keys';

export interface TokenRule {
  pattern: RegExp;
  client: MailClient;
  /** the device when the token says it (a proxy, a desktop-only client); null: as the library finds it */
  device: Device | null;
}

const rule = (pattern: RegExp, client: MailClient, device: Device | null = null): TokenRule => ({ pattern, client, device });

export const PROXY_RULES: readonly TokenRule[] = [
  rule(/googleimageproxy|via ggpht\.com/i, 'GMAIL', 'PROXY'),
  rule(/Edge\/12\.246 Mozilla\/5\.0$/, 'GMAIL', 'PROXY'),
  rule(/YahooMailProxy|Yahoo Link Preview/, 'YAHOO_MAIL', 'PROXY'),
  rule(/SeznamEmailProxy|RamblerMail|mail\.ukr\.net proxy|FastmailUA|^imgproxy\/|StartpagePrivateImageProxy|Privacy Preserving Prefetch Proxy/, 'OTHER', 'PROXY'),
];

export const CLIENT_RULES: readonly TokenRule[] = [
  // Outlook for Windows fetches through Word's engine with an ms-office token; Outlook Express is another program.
  rule(/^Outlook-Express\//, 'OTHER', 'DESKTOP'),
  rule(/Microsoft Outlook|ms-office|MSOffice|^Microsoft Office\/[\d.]+ \([^)]*MAPI/, 'OUTLOOK', 'DESKTOP'),
  rule(/^MacOutlook\/|^Outlook\/[\d.]+ CFNetwork\/.*\(x86_64\)/, 'OUTLOOK', 'DESKTOP'),
  rule(/^Outlook-(?:iOS|Android)\//, 'OUTLOOK', 'MOBILE'),
  rule(/Thunderbird\/|Icedove\//, 'THUNDERBIRD', 'DESKTOP'),
  // Apple Mail's own network requests; on a Mac they name the architecture or the model.
  rule(/^Mail\/\d+ CFNetwork\/.*(?:x86_64|arm64|Mac)/, 'APPLE_MAIL', 'DESKTOP'),
  rule(/^Mail\/\d+ CFNetwork\//, 'APPLE_MAIL', 'MOBILE'),
  rule(/^Android-Gmail\/|^Gmail\/\d/, 'GMAIL', 'MOBILE'),
  rule(/^Yahoo%20Mail\/|YJApp-IOS jp\.co\.yahoo\.ymail|^YahooMobileMail|YahooMail\/\d/, 'YAHOO_MAIL', 'MOBILE'),
  rule(/SamsungEmail\/|com\.samsung\.android\.email/, 'SAMSUNG_EMAIL', 'MOBILE'),
  // Other mail programs, many of them Electron or WebView shells whose UA otherwise reads as Chrome or Firefox.
  rule(/Postbox|Spicebird|SeaMonkey|Iceape|Lotus-Notes|^Barca|^MailBar\/|^The Bat!|^WindowsMail\/|eM ?Client\/|Mailbird\/|Mailspring\/|BlueMail\/|Foxmail\/|MailMaster|mailapp\/|NaverMailApp\/|^Airmail /, 'OTHER'),
];

/**
 * Android WebViews say which app loaded the page in X-Requested-With: the
 * only way to tell Samsung Email (and GMX, WEB.DE...) from any other app.
 */
export const REQUESTED_WITH: ReadonlyMap<string, MailClient> = new Map<string, MailClient>([
  ['com.samsung.android.email.provider', 'SAMSUNG_EMAIL'],
  ['com.google.android.gm', 'GMAIL'],
  ['com.yahoo.mobile.client.android.mail', 'YAHOO_MAIL'],
  ['com.microsoft.office.outlook', 'OUTLOOK'],
]);

export function firstMatch(rules: readonly TokenRule[], userAgent: string): TokenRule | null {
  for (const candidate of rules) if (candidate.pattern.test(userAgent)) return candidate;
  return null;
}
