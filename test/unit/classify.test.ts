import { list as isbotList } from 'isbot';
import { BotNetworks, BUILT_IN_BOT_NETWORKS, canonicalNetwork } from '../../src/events/bot-networks';
import { MAX_CLASSIFIED_USER_AGENT, NARROWED_ISBOT_PATTERNS, wordPattern } from '../../src/events/bot-user-agents';
import { RequestClassifier, isMppProxy } from '../../src/events/classify';

const classifier = new RequestClassifier({ extraBotPatterns: ['AcmeScanner', 'Corp Link Checker'], countGmailProxy: false });
const browser = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const gmail = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const person = { countable: true, bot: false, botReason: null, mpp: false };
const byUserAgent = { countable: false, bot: true, botReason: 'USER_AGENT', mpp: false };
const byNetwork = { countable: false, bot: true, botReason: 'NETWORK', mpp: false };

describe('RequestClassifier: user agents', () => {
  it('counts a person opening or clicking', () => {
    expect(classifier.classify('GET', browser, undefined, 'open')).toEqual(person);
    expect(classifier.classify('GET', browser, undefined, 'click')).toEqual(person);
  });

  it('catches at least the contract list of bots, in any case', () => {
    for (const name of ['Slackbot', 'Twitterbot', 'LinkedInBot', 'WhatsApp', 'facebookexternalhit', 'Discordbot', 'TelegramBot', 'Googlebot', 'bingbot']) {
      expect(classifier.classify('GET', `Something ${name.toUpperCase()}/1.0`, undefined, 'open')).toEqual(byUserAgent);
      expect(classifier.isBot(`Mozilla/5.0 (compatible; ${name}/2.1; +https://example.com/bot)`)).toBe(true);
    }
  });

  it('catches link scanners, Office discovery requests and HTTP libraries as words', () => {
    for (const ua of ['Mozilla/5.0 (compatible; Barracuda Sentinel (EE))', 'Microsoft Office Existence Discovery', 'curl/8.5.0', 'python-requests/2.31.0', 'Java/1.8.0_151', 'Go-http-client/2.0']) {
      expect(classifier.isBot(ua)).toBe(true);
    }
  });

  it('never catches real clients for a bot-like word inside another word', () => {
    for (const ua of [
      'Mozilla/5.0 (Linux; Android 10; CUBOT J9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.152 Mobile Safari/537.36',
      'Mozilla/5.0 (Linux; Android 9; SM-A530F Build/PPR1.180610.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.58 Mobile Safari/537.36 CamScanner/6.27.0.2210170000',
      'otg/1.5.1 (AppleTv Apple TV 4; tvOS16.2; appletv.client) libcurl/7.58.0 OpenSSL/1.0.2o zlib/1.2.11 clib/1.8.56',
      'Mozilla/5.0 (Linux; Android 13; Spider 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
      'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)',
      'eMClient/9.3.6041.0',
    ]) {
      expect(classifier.isBot(ua)).toBe(false);
    }
  });

  it('takes EMAIL_TRACKING_BOT_USER_AGENTS as whole words, any case', () => {
    for (const ua of ['acmescanner v2', 'Mozilla/5.0 (AcmeScanner/3)', 'corp link checker']) expect(classifier.classify('GET', ua, undefined, 'open')).toEqual(byUserAgent);
    const acme = new RequestClassifier({ extraBotPatterns: ['Acme'], countGmailProxy: false });
    expect(acme.isBot(`${browser} Acme/2`)).toBe(true);
    expect(acme.isBot(`${browser} Acmeline/2`)).toBe(false);
    expect(new RegExp(wordPattern('a.b (c)'), 'i').test('x A.B (C) y')).toBe(true);
    expect(new RegExp(wordPattern('a.b'), 'i').test('axb')).toBe(false);
  });

  it('treats generic crawler names, a missing user agent and an absurdly long one as bots', () => {
    for (const ua of ['FooCrawler/1.0', 'some-spider', 'MyBot/3', undefined, '  ', `${browser} ${'x'.repeat(MAX_CLASSIFIED_USER_AGENT)}`]) {
      expect(classifier.classify('GET', ua, undefined, 'open')).toEqual(byUserAgent);
    }
    expect(classifier.isBot('Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126 Mobile Safari/537.36')).toBe(false);
  });

  it('gives the same verdict from its cache', () => {
    for (let i = 0; i < 3; i++) expect([classifier.isBot('curl/8.0'), classifier.isBot(browser)]).toEqual([true, false]);
  });

  it('tags GoogleImageProxy as a bot unless the Gmail switch is on, even when listed by the operator', () => {
    expect(classifier.classify('GET', gmail, undefined, 'open').bot).toBe(true);
    const counting = new RequestClassifier({ extraBotPatterns: ['GoogleImageProxy'], countGmailProxy: true });
    expect(counting.classify('GET', gmail, undefined, 'open')).toEqual(person);
  });

  it('never counts HEAD or prefetch, and does not call them bots', () => {
    const unrecorded = { countable: false, bot: false, botReason: null, mpp: false };
    expect(classifier.classify('HEAD', browser, undefined, 'open')).toEqual(unrecorded);
    expect(classifier.classify('GET', browser, 'prefetch', 'click')).toEqual(unrecorded);
    expect(classifier.classify('GET', 'curl/8.0', 'prefetch;prerender', 'open')).toEqual(unrecorded);
  });

  it('flags Apple MPP opens (user agent exactly Mozilla/5.0) as counted and MPP', () => {
    expect(isMppProxy('Mozilla/5.0')).toBe(true);
    expect(isMppProxy('Mozilla/5.0 ')).toBe(false);
    expect(classifier.isBot('Mozilla/5.0')).toBe(false);
    expect(classifier.classify('GET', 'Mozilla/5.0', undefined, 'open')).toEqual({ ...person, mpp: true });
    expect(classifier.classify('GET', 'Mozilla/5.0', undefined, 'click')).toEqual(person);
  });

  it('narrows only isbot entries that still exist, so an upgrade that rewrites one fails here', () => {
    for (const pattern of Object.keys(NARROWED_ISBOT_PATTERNS)) expect(isbotList).toContain(pattern);
  });
});

describe('RequestClassifier: the trap link', () => {
  it('is a TRAP bot whatever the client says, and HEAD or a prefetch stays unrecorded', () => {
    expect(classifier.classifyTrap('GET', undefined)).toEqual({ countable: false, bot: true, botReason: 'TRAP', mpp: false });
    expect(classifier.classifyTrap('HEAD', undefined).bot).toBe(false);
    expect(classifier.classifyTrap('GET', 'prefetch')).toEqual({ countable: false, bot: false, botReason: null, mpp: false });
  });
});

describe('RequestClassifier: scanner networks', () => {
  const withExtra = new RequestClassifier({ extraBotPatterns: [], countGmailProxy: false, extraBotNetworks: ['192.0.2.0/24', '2001:db8:5::/48'] });

  it('flags every built-in Exchange Online Protection range, at both ends', () => {
    for (const ip of ['40.92.0.1', '40.93.255.254', '40.107.3.4', '52.100.0.0', '52.103.255.255', '104.47.0.1', '104.47.127.255', '2a01:111:f400::1', '2a01:111:f403:ffff::9']) {
      expect(classifier.classify('GET', browser, undefined, 'click', ip)).toEqual(byNetwork);
    }
    for (const ip of ['40.91.255.255', '40.94.0.0', '40.108.0.1', '52.104.0.0', '104.47.128.0', '2a01:111:f401::1', '203.0.113.9', '::1']) {
      expect(classifier.classify('GET', browser, undefined, 'click', ip)).toEqual(person);
    }
  });

  it('reads IPv4-mapped IPv6 as IPv4, and ignores what is no address', () => {
    expect(classifier.isBotNetwork('::ffff:40.92.1.1')).toBe(true);
    expect(classifier.isBotNetwork('::FFFF:104.47.0.9')).toBe(true);
    for (const ip of ['', 'unknown', '40.92.1', '0x28.92.1.1', '40.92.1.1/15']) expect(classifier.isBotNetwork(ip)).toBe(false);
  });

  it('adds EMAIL_TRACKING_BOT_NETWORKS, IPv4 and IPv6', () => {
    expect(withExtra.isBotNetwork('192.0.2.200')).toBe(true);
    expect(withExtra.isBotNetwork('2001:db8:5:1::1')).toBe(true);
    expect(withExtra.isBotNetwork('2001:db8:6::1')).toBe(false);
    expect(classifier.isBotNetwork('192.0.2.200')).toBe(false);
  });

  it('lets the user agent rule win, and keeps HEAD and prefetch unrecorded', () => {
    expect(classifier.classify('GET', 'curl/8.0', undefined, 'open', '40.92.1.1')).toEqual(byUserAgent);
    expect(classifier.classify('GET', 'Mozilla/5.0', undefined, 'open', '40.92.1.1')).toEqual(byNetwork);
    expect(classifier.classify('HEAD', browser, undefined, 'open', '40.92.1.1').bot).toBe(false);
  });

  it('parses networks into canonical form, and refuses anything else', () => {
    expect(canonicalNetwork(' 192.0.2.0/24 ')).toBe('192.0.2.0/24');
    expect(canonicalNetwork('2001:DB8:0::/32')).toBe('2001:db8::/32');
    expect(canonicalNetwork('198.51.100.7')).toBe('198.51.100.7/32');
    expect(canonicalNetwork('::1')).toBe('::1/128');
    for (const text of ['', '192.0.2.0/33', '2001:db8::/129', '192.0.2/24', '0x28.1.1.1/8', '192.0.2.0/24/1', '192.0.2.0/', '192.0.2.0/-1', 'example.com/24', '10.0.0.0/ 8']) {
      expect(canonicalNetwork(text)).toBeNull();
    }
    expect(BUILT_IN_BOT_NETWORKS.map(canonicalNetwork)).toEqual(BUILT_IN_BOT_NETWORKS);
    expect(new BotNetworks(['0.0.0.0/0']).contains('8.8.8.8')).toBe(true);
  });
});
