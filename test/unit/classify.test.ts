import { BUILT_IN_BOT_PATTERNS, RequestClassifier, isMppProxy } from '../../src/events/classify';

const classifier = new RequestClassifier({ extraBotPatterns: ['AcmeScanner'], countGmailProxy: false });
const browser = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const gmail = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';

describe('RequestClassifier', () => {
  it('counts a person opening or clicking', () => {
    expect(classifier.classify('GET', browser, undefined, 'open')).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
    expect(classifier.classify('GET', browser, undefined, 'click')).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
  });

  it('includes at least the contract list of bots', () => {
    for (const name of ['GoogleImageProxy', 'Slackbot', 'Twitterbot', 'LinkedInBot', 'WhatsApp', 'facebookexternalhit', 'Discordbot', 'TelegramBot', 'Googlebot', 'bingbot']) {
      expect(BUILT_IN_BOT_PATTERNS).toContain(name);
      expect(classifier.classify('GET', `Something ${name.toUpperCase()}/1.0`, undefined, 'open').bot).toBe(true);
    }
  });

  it('treats configured patterns, generic crawlers and a missing user agent as bots', () => {
    for (const ua of ['acmescanner v2', 'FooCrawler/1.0', 'some-spider', 'MyBot/3', undefined, '  ']) {
      expect(classifier.classify('GET', ua, undefined, 'open')).toEqual({ countable: false, bot: true, botReason: 'USER_AGENT', mpp: false });
    }
    expect(classifier.isBot('Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126 Mobile Safari/537.36')).toBe(false);
  });

  it('tags GoogleImageProxy as a bot unless the Gmail switch is on', () => {
    expect(classifier.classify('GET', gmail, undefined, 'open').bot).toBe(true);
    const counting = new RequestClassifier({ extraBotPatterns: [], countGmailProxy: true });
    expect(counting.classify('GET', gmail, undefined, 'open')).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
  });

  it('never counts HEAD or prefetch, and does not call them bots', () => {
    expect(classifier.classify('HEAD', browser, undefined, 'open')).toEqual({ countable: false, bot: false, botReason: null, mpp: false });
    expect(classifier.classify('GET', browser, 'prefetch', 'click')).toEqual({ countable: false, bot: false, botReason: null, mpp: false });
    expect(classifier.classify('GET', browser, 'prefetch;prerender', 'open').countable).toBe(false);
  });

  it('flags Apple MPP opens (user agent exactly Mozilla/5.0) as counted and MPP', () => {
    expect(isMppProxy('Mozilla/5.0')).toBe(true);
    expect(isMppProxy('Mozilla/5.0 ')).toBe(false);
    expect(classifier.classify('GET', 'Mozilla/5.0', undefined, 'open')).toEqual({ countable: true, bot: false, botReason: null, mpp: true });
    expect(classifier.classify('GET', 'Mozilla/5.0', undefined, 'click')).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
  });
});
