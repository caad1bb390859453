// The client and device of every real user agent of a mail-client family
// (../shared/realworld/user-agents, read in place), as the event writer will
// credit them: the expected client per family, proxies named with device
// PROXY, and Apple's bare `Mozilla/5.0` as APPLE_MPP.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClientKey, MailClient } from '../../src/breakdowns/client-keys';
import { MailClientParser, type ClientEvidence } from '../../src/breakdowns/mail-clients';

const LISTS = path.resolve(__dirname, '../../../shared/realworld/user-agents');

interface Line {
  userAgent: string;
  /** the `# client:type|Name|headers=...` comment before it, where the file has one */
  label: string | null;
  requestedWith: string | null;
}

/** One user agent a line, verbatim; `#` lines are comments, a `# client:` line labels the next one. */
function linesOf(file: string): Line[] {
  const lines: Line[] = [];
  let label: string | null = null;
  for (const line of readFileSync(path.join(LISTS, file), 'utf8').split('\n')) {
    if (line.startsWith('# client:')) label = line;
    if (line === '' || line.startsWith('#')) continue;
    const headers = label?.match(/headers=(\{.*\})/);
    const requestedWith = headers ? String(Object.values(JSON.parse(headers[1]!) as Record<string, string>)[0]) : null;
    lines.push({ userAgent: line, label: label?.split('|')[1] ?? null, requestedWith });
    label = null;
  }
  return lines;
}

const parser = new MailClientParser();
const person = (line: Line, extra: Partial<ClientEvidence> = {}): ClientKey =>
  parser.clientOf({ userAgent: line.userAgent, mpp: false, botReason: null, requestedWith: line.requestedWith, ...extra });

/** Per file: the client every line must get, from the line itself. */
const FAMILIES: [string, (line: Line) => MailClient][] = [
  ['humans__apple-mail-webkit-no-safari-token.txt', () => 'APPLE_MAIL'],
  ['humans__outlook-desktop-and-mobile.txt', () => 'OUTLOOK'],
  // Thunderbird and Debian's rebuild of it; SeaMonkey, Postbox and Spicebird are other mail programs.
  ['humans__thunderbird-and-mozilla-mail.txt', (line) => (/Thunderbird|Icedove/.test(line.userAgent) ? 'THUNDERBIRD' : 'OTHER')],
  [
    'humans__other-mail-clients-and-apps.txt',
    (line) => (/Yahoo/.test(line.label ?? '') ? 'YAHOO_MAIL' : line.label === 'Gmail' ? 'GMAIL' : line.label === 'Samsung Email' ? 'SAMSUNG_EMAIL' : 'OTHER'),
  ],
  ['humans__browsers-desktop.txt', () => 'WEBMAIL_BROWSER'],
  ['humans__browsers-mobile.txt', () => 'WEBMAIL_BROWSER'],
  ['proxies__gmail-googleimageproxy.txt', () => 'GMAIL'],
];

function describeLists(body: () => void): void {
  if (existsSync(LISTS)) {
    describe(`mail clients of the real-world user agents at ${LISTS}`, body);
    return;
  }
  console.warn(`user-agent lists not found at ${LISTS}: the real-world mail-client tests are skipped`);
  describe.skip(`user-agent lists not found at ${LISTS}`, () => it('credits the real-world user agents', () => undefined));
}

describeLists(() => {
  it.each(FAMILIES)('%s: every line is its family', (file, expected) => {
    const wrong = linesOf(file)
      .map((line) => ({ userAgent: line.userAgent, expected: expected(line), got: person(line).client }))
      .filter((row) => row.got !== row.expected);
    expect(wrong).toEqual([]);
  });

  it("Apple's Mozilla/5.0 is APPLE_MPP, from the classifier's flag, Mailgun's verdict or Apple's network", () => {
    const [line] = linesOf('apple-mpp__proxy-user-agent.txt');
    expect(line!.userAgent).toBe('Mozilla/5.0');
    const mpp: ClientKey = { client: 'APPLE_MPP', device: 'PROXY' };
    expect(person(line!, { mpp: true })).toEqual(mpp);
    expect(person(line!, { webhook: { bot: 'apple', deviceType: 'unknown' } })).toEqual(mpp);
    expect(person(line!, { network: 'APPLE' })).toEqual(mpp);
  });

  it('names the providers\' proxies with device PROXY, never UNKNOWN', () => {
    const expected = (userAgent: string): MailClient =>
      /Edge\/12\.246|GoogleImageProxy/i.test(userAgent) ? 'GMAIL' : /Yahoo/.test(userAgent) ? 'YAHOO_MAIL' : 'OTHER';
    for (const file of ['bots__mail-provider-image-proxies-and-prefetchers.txt', 'proxies__gmail-googleimageproxy.txt']) {
      for (const line of linesOf(file)) expect([line.userAgent, person(line)]).toEqual([line.userAgent, { client: expected(line.userAgent), device: 'PROXY' }]);
    }
    // Outlook.com's proxy has no UA of its own: the network says so.
    const browser = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    expect(parser.clientOf({ userAgent: browser, mpp: false, botReason: null, network: 'MICROSOFT' })).toEqual({ client: 'OUTLOOK', device: 'PROXY' });
    expect(parser.clientOf({ userAgent: browser, mpp: false, botReason: 'NETWORK' })).toEqual({ client: 'WEBMAIL_BROWSER', device: 'PROXY' });
    expect(parser.clientOf({ userAgent: 'Mozilla/5.0', mpp: false, botReason: null, webhook: { bot: 'gmail', deviceType: null } })).toEqual({ client: 'GMAIL', device: 'PROXY' });
  });

  it('finds the device: desktop clients, phones, tablets', () => {
    const device = (userAgent: string) => parser.clientOf({ userAgent, mpp: false, botReason: null }).device;
    expect(device('Mail/3273 CFNetwork/811.5.4 Darwin/16.6.0 (x86_64)')).toBe('DESKTOP');
    expect(device('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)')).toBe('DESKTOP');
    expect(device('Mozilla/5.0 (iPhone; CPU iPhone OS 12_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148')).toBe('MOBILE');
    expect(device('Mozilla/5.0 (iPad; CPU OS 11_2_5 like Mac OS X) AppleWebKit/604.5.6 (KHTML, like Gecko) Mobile/15D60')).toBe('TABLET');
    expect(device('Microsoft Office/16.0 (Microsoft Outlook 16.0.12329; Pro), Mozilla/4.0 (compatible; ms-office; MSOffice 16)')).toBe('DESKTOP');
    expect(device('Outlook-iOS/709.2042344.prod.iphone (3.21.0)')).toBe('MOBILE');
    for (const line of linesOf('humans__browsers-desktop.txt')) expect([line.userAgent, device(line.userAgent)]).not.toEqual([line.userAgent, 'UNKNOWN']);
  });

  it('without a user agent, the event is UNKNOWN unless Mailgun said the device', () => {
    expect(parser.clientOf({ userAgent: null, mpp: false, botReason: null })).toEqual({ client: 'UNKNOWN', device: 'UNKNOWN' });
    expect(parser.clientOf({ userAgent: '  ', mpp: false, botReason: null, webhook: { bot: null, deviceType: 'mobile' } })).toEqual({ client: 'UNKNOWN', device: 'MOBILE' });
  });

  it('keeps a bounded cache: the same answer from it, and never more entries than asked', () => {
    const small = new MailClientParser(3);
    const lines = linesOf('humans__browsers-mobile.txt').slice(0, 10);
    const first = lines.map((line) => small.clientOf({ userAgent: line.userAgent, mpp: false, botReason: null }));
    const again = lines.map((line) => small.clientOf({ userAgent: line.userAgent, mpp: false, botReason: null }));
    expect(again).toEqual(first);
    expect((small as unknown as { cache: Map<string, unknown> }).cache.size).toBe(3);
  });
});
