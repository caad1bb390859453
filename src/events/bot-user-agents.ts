// Which user agents are machines: the crawlers of isbot's maintained list,
// narrowed where it catches real mail clients, plus the email-specific
// previewers, link scanners and HTTP libraries it lacks. Pure; measured
// against ../shared/realworld/user-agents by test/unit/bot-user-agents-realworld.test.ts.
import { list as isbotPatterns } from 'isbot';

/**
 * Machines that matter to email, each a case-insensitive regex source matched
 * as a word (`\b`), so `curl/` never matches a TV app's `libcurl/` and
 * `Barracuda` never matches inside another name.
 */
export const EMAIL_BOT_PATTERNS: readonly string[] = [
  // link unfurlers of chat and social apps; modded WhatsApp builds prefix the name (GBWhatsApp/2.22)
  String.raw`\bSlackbot\b`, String.raw`\bSlack-ImgProxy\b`, String.raw`\bTwitterbot\b`, String.raw`\bLinkedInBot\b`,
  String.raw`WhatsApp/\d`, String.raw`\bfacebookexternalhit\b`, String.raw`\bFacebot\b`, String.raw`\bmeta-external\w*`,
  String.raw`\bDiscordbot\b`, String.raw`\bTelegramBot\b`, String.raw`\bredditbot\b`, String.raw`\bPinterestbot\b`,
  // search engines
  String.raw`\bGooglebot\b`, String.raw`\bAdsBot-Google\b`, String.raw`\bGoogle-Safety\b`, String.raw`\bbingbot\b`,
  String.raw`\bApplebot\b`, String.raw`\bYandexBot\b`, String.raw`\bBaiduspider\b`, String.raw`\bDuckDuckBot\b`,
  // Microsoft and Office: previews, and the discovery requests Office apps send before opening a link
  String.raw`\bBingPreview\b`, String.raw`\bSkypeUriPreview\b`, String.raw`\bMicrosoftPreview\b`,
  String.raw`^Microsoft Office (?:Existence|Protocol) Discovery\b`, String.raw`\bMicrosoft-CryptoAPI/`, String.raw`\bofficestorebot\b`,
  String.raw`^azure-logic-apps/`,
  // mail providers' image proxies and prefetchers; Gmail's prefetch appends a second Mozilla/5.0 to an old Edge
  String.raw`\bYahooMailProxy\b`, String.raw`\bYahoo Link Preview\b`, String.raw`\bSeznamEmailProxy\b`,
  String.raw`\bImageProxy/`, String.raw`\bimgproxy/`, String.raw`\bPrivateImageProxy/`, String.raw`\bPrefetch Proxy\b`,
  String.raw`^FastmailUA/`, String.raw`\bEdge/12\.246 Mozilla/5\.0$`,
  // corporate link scanners that name themselves
  String.raw`\bBarracuda\b`, String.raw`\bMimecast\b`, String.raw`\bProofpoint\b`, String.raw`\bMessageLabs\b`,
  String.raw`\bSymantec\b`, String.raw`\bForcepoint\b`, String.raw`\bIronPort\b`, String.raw`\bTrend ?Micro\b`,
  String.raw`\bZscaler\b`, String.raw`\burlscan\b`, String.raw`\bVirusTotal\b`, String.raw`\bKaspersky Lab CFR\b`,
  // HTTP libraries, command-line tools and headless browsers
  String.raw`\bHeadlessChrome\b`, String.raw`\bHeadlessEdg\b`, String.raw`\bPhantomJS\b`, String.raw`\bpython-requests\b`,
  String.raw`\bPython-urllib\b`, String.raw`\baiohttp\b`, String.raw`\bpython-httpx\b`, String.raw`\bGo-http-client\b`,
  String.raw`\bcurl/`, String.raw`\bWget\b`, String.raw`\bokhttp\b`, String.raw`(?:^|[\s(;])Java/\d`, String.raw`\bApache-HttpClient\b`,
  String.raw`\baxios/`, String.raw`\bnode-fetch\b`, String.raw`\bundici\b`, String.raw`\blibwww-perl\b`, String.raw`\bGuzzleHttp\b`,
  String.raw`\bPostmanRuntime\b`, String.raw`\bScrapy\b`, String.raw`\bHTTPie\b`,
];

/**
 * isbot entries that flag real clients of the real-world lists, each with the
 * narrower form used instead. A unit test checks every key is still in isbot's
 * list, so an upgrade that rewrites one fails loudly instead of bringing the
 * broad form back.
 */
export const NARROWED_ISBOT_PATTERNS: Readonly<Record<string, string>> = {
  // Blue Proxy and ProxyFox are browsers, UC Mini says "Proxy" for its speed mode
  proxy: String.raw`(?:image|img|mail|prefetch)[ -]?proxy\b`,
  // HotJava, JavaFX, J2ME phones ("Java/ASVM", "(Java; U; MIDP-2.0") are browsers; the HTTP client sends Java/1.8.0_151
  'java(?!;)': String.raw`(?:^|[\s(;])java/\d`,
  // a TV app's libcurl/7.58.0
  url: String.raw`\b(?:py)?curl\b|\burl(?:lib|resolver|scan|expander)\b`,
  // Azureus, the torrent client
  '^azure': String.raw`^azure(?!us\b)`,
  // Safari Technology Preview
  preview: String.raw`(?<!technology(?: |%20))preview`,
  // BlackBerry browsers behind Google's WAP transcoder relay a person
  '(?<! channel/|google/)google(?!(?:wv|app|/google| pixel))': String.raw`(?<! channel/|google/)google(?!(?:wv|app|/google| pixel| wap proxy))`,
};

/**
 * Mail clients whose user agent is a bare product and version, which isbot
 * takes for a script (NAVER's and Yahoo's apps it names outright). Matomo's
 * client fixtures know them as mail clients.
 */
const MAIL_CLIENTS = /^(?:Barca|eM ?Client|WindowsMail|NaverMailApp|Yahoo(?:%20| )Mail)\/\d/i;

/**
 * The device model of an Android user agent (`Android 13; Spider 8)`,
 * `Android 8.1.0; XBot_Senior Build/O11019)`): makers name phones freely, so
 * the model is left out before the crawler list reads the user agent.
 */
const ANDROID_MODEL = /(\bAndroid [\d.]+;(?: [a-z]{2}[-_][a-z]{2};)?)[^;)]*\)/i;

/** Nothing a mail client sends is this long; it also bounds what the verdict cache holds. */
export const MAX_CLASSIFIED_USER_AGENT = 1024;
const VERDICT_CACHE_SIZE = 10_000;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An operator's plain-text pattern as a whole-word, case-insensitive match (`Scanner` does not catch `CamScanner`). */
export function wordPattern(text: string): string {
  const start = /^\w/.test(text) ? '(?<!\\w)' : '';
  const end = /\w$/.test(text) ? '(?!\\w)' : '';
  return `${start}${escapeRegExp(text)}${end}`;
}

/** The crawler list: isbot's entries, the too-broad ones narrowed. */
export function crawlerPatterns(): string[] {
  return isbotPatterns.map((pattern) => NARROWED_ISBOT_PATTERNS[pattern] ?? pattern);
}

export class BotUserAgents {
  private readonly named: RegExp;
  private readonly crawlers = new RegExp(crawlerPatterns().join('|'), 'i');
  /** one verdict per distinct user agent: mail traffic repeats a few thousand of them */
  private readonly verdicts = new Map<string, boolean>();

  /** `extra`: EMAIL_TRACKING_BOT_USER_AGENTS, plain text matched as whole words */
  constructor(extra: readonly string[]) {
    this.named = new RegExp([...EMAIL_BOT_PATTERNS, ...extra.map(wordPattern)].join('|'), 'i');
  }

  /** True for a machine's user agent; the caller handles a missing one, GoogleImageProxy and Apple's proxy. */
  matches(userAgent: string): boolean {
    if (userAgent.length > MAX_CLASSIFIED_USER_AGENT) return true;
    const known = this.verdicts.get(userAgent);
    if (known !== undefined) return known;
    const verdict = this.decide(userAgent);
    if (this.verdicts.size >= VERDICT_CACHE_SIZE) this.verdicts.clear();
    this.verdicts.set(userAgent, verdict);
    return verdict;
  }

  private decide(userAgent: string): boolean {
    if (this.named.test(userAgent)) return true;
    if (MAIL_CLIENTS.test(userAgent)) return false;
    return this.crawlers.test(userAgent.replace(ANDROID_MODEL, '$1)'));
  }
}
