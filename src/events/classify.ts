// Who fetched a pixel or followed a link: a person, Apple's privacy proxy, or
// a machine (preview bots, link scanners). Pure, so every rule is unit-tested.
import type { BotReason } from './event';

export interface Classification {
  /** fed to the stats: false for HEAD, prefetches and bots */
  countable: boolean;
  bot: boolean;
  /** why `bot` is set; null when it is not */
  botReason: BotReason | null;
  /** Apple Mail Privacy Protection fetched the pixel: counted, and flagged */
  mpp: boolean;
}

/** User agents of link-preview bots, crawlers and corporate link scanners (substrings, any case). */
export const BUILT_IN_BOT_PATTERNS: readonly string[] = [
  'GoogleImageProxy',
  'Slackbot',
  'Slack-ImgProxy',
  'Twitterbot',
  'LinkedInBot',
  'WhatsApp',
  'facebookexternalhit',
  'Facebot',
  'Discordbot',
  'TelegramBot',
  'Googlebot',
  'AdsBot-Google',
  'Google-Safety',
  'bingbot',
  'BingPreview',
  'Applebot',
  'YandexBot',
  'Baiduspider',
  'DuckDuckBot',
  'SkypeUriPreview',
  'redditbot',
  'Pinterestbot',
  'MicrosoftPreview',
  'Microsoft Office Existence Discovery',
  'Barracuda',
  'Mimecast',
  'Proofpoint',
  'MessageLabs',
  'Symantec',
  'Forcepoint',
  'IronPort',
  'Trend Micro',
  'ZScaler',
  'urlscan',
  'VirusTotal',
  'HeadlessChrome',
  'PhantomJS',
  'python-requests',
  'python-urllib',
  'Go-http-client',
  'curl/',
  'Wget',
  'okhttp',
  'Java/',
  'libwww-perl',
  'axios/',
  'node-fetch',
  'Scrapy',
];

const GMAIL_PROXY = 'googleimageproxy';
/** Generic crawler words, as whole-word suffixes ("...bot/2.1", "Spider"). */
const GENERIC_BOT = /(?:bot|crawler|spider)(?:[\s/;)_-]|$)/i;

export interface ClassifierOptions {
  extraBotPatterns: readonly string[];
  /** Gmail fetches images through GoogleImageProxy when a person opens the email */
  countGmailProxy: boolean;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class RequestClassifier {
  /** every pattern in one case-insensitive alternation: one scan per request */
  private readonly bots: RegExp;
  private readonly gmailIsBot: boolean;

  constructor(options: ClassifierOptions) {
    const patterns = [...BUILT_IN_BOT_PATTERNS, ...options.extraBotPatterns].filter((pattern) => pattern.toLowerCase() !== GMAIL_PROXY);
    this.bots = new RegExp(patterns.map(escapeRegExp).join('|'), 'i');
    this.gmailIsBot = !options.countGmailProxy;
  }

  isBot(userAgent: string | undefined): boolean {
    // No user agent at all: a script, not a mail client.
    if (userAgent === undefined || userAgent.trim() === '') return true;
    if (userAgent.toLowerCase().includes(GMAIL_PROXY)) return this.gmailIsBot;
    return this.bots.test(userAgent) || GENERIC_BOT.test(userAgent);
  }

  /**
   * HEAD requests and prefetches get the same answer but are never counted
   * (and not recorded). Bots are recorded, never counted.
   */
  classify(method: string, userAgent: string | undefined, purpose: string | undefined, kind: 'open' | 'click'): Classification {
    if (method === 'HEAD' || isPrefetch(purpose)) return { countable: false, bot: false, botReason: null, mpp: false };
    if (this.isBot(userAgent)) return { countable: false, bot: true, botReason: 'USER_AGENT', mpp: false };
    return { countable: true, bot: false, botReason: null, mpp: kind === 'open' && isMppProxy(userAgent) };
  }
}

/** Apple's proxy fetches with exactly this user agent, nothing more. */
export function isMppProxy(userAgent: string | undefined): boolean {
  return userAgent === 'Mozilla/5.0';
}

export function isPrefetch(purpose: string | undefined): boolean {
  return purpose !== undefined && purpose.toLowerCase().includes('prefetch');
}
