// The writer's way in to the mail-client parser: a batch's clients
// (clientsOf) looks each distinct user agent up once and shares the cached
// key among its events. It must credit every event exactly as clientOf
// credits it alone, whatever else the event carries (MPP, a provider's
// network, an app's X-Requested-With, Mailgun's client-info).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MailClientParser, type ClientEvidence } from '../../src/breakdowns/mail-clients';

const LISTS = path.resolve(__dirname, '../../../shared/realworld/user-agents');

const OWN_USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Microsoft Office/16.0 (Microsoft Outlook 16.0.17328; Pro), Mozilla/4.0 (compatible; ms-office; MSOffice 16)',
  'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  'Mozilla/5.0',
  'curl/8.5.0',
  '   ',
];

/** What else an event may carry, each variant applied to every user agent. */
const EXTRAS: Partial<ClientEvidence>[] = [
  {},
  { mpp: true },
  { network: 'MICROSOFT' },
  { network: 'APPLE' },
  { botReason: 'NETWORK' },
  { requestedWith: 'com.google.android.gm' },
  { requestedWith: 'org.example.unknown' },
  { webhook: { bot: null, deviceType: 'mobile' } },
  { webhook: { bot: null, deviceType: 'unknown' } },
  { webhook: { bot: 'gmail', deviceType: null } },
  { webhook: { bot: 'apple', deviceType: 'desktop' } },
];

function realWorldUserAgents(): string[] {
  if (!existsSync(LISTS)) {
    console.warn(`user-agent lists not found at ${LISTS}: the batch parser is checked on its own user agents only`);
    return [];
  }
  return readdirSync(LISTS)
    .filter((file) => file.endsWith('.txt'))
    .flatMap((file) => readFileSync(path.join(LISTS, file), 'utf8').split('\n'))
    .filter((line) => line !== '' && !line.startsWith('#'));
}

const evidenceOf = (userAgent: string | null, extra: Partial<ClientEvidence>): ClientEvidence => ({ userAgent, mpp: false, botReason: null, ...extra });

describe('MailClientParser.clientsOf (a batch)', () => {
  it('credits every event as clientOf credits it alone, repeats and absent events included', () => {
    const userAgents = [...OWN_USER_AGENTS, ...realWorldUserAgents(), null];
    // Each user agent several times in the batch, with every kind of other evidence, and events without any.
    const batch = [...EXTRAS, ...EXTRAS].flatMap((extra) => [...userAgents.map((userAgent) => evidenceOf(userAgent, extra)), null]);
    const alone = new MailClientParser();
    const expected = batch.map((evidence) => (evidence === null ? null : alone.clientOf(evidence)));
    expect(new MailClientParser().clientsOf(batch)).toEqual(expected);
  });

  it('shares one frozen key among the events of a user agent that decides their client alone', () => {
    const parser = new MailClientParser();
    const [first, second, withApp] = parser.clientsOf([
      evidenceOf(OWN_USER_AGENTS[1]!, {}),
      evidenceOf(OWN_USER_AGENTS[1]!, {}),
      evidenceOf(OWN_USER_AGENTS[1]!, { requestedWith: 'com.google.android.gm' }),
    ]);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(withApp).not.toBe(first);
    expect(withApp).toEqual({ client: 'GMAIL', device: first!.device });
    // A user agent of no known device takes Mailgun's, on a key of its own: the shared one stays as parsed.
    const [bare, fromMailgun] = parser.clientsOf([evidenceOf('curl/8.5.0', {}), evidenceOf('curl/8.5.0', { webhook: { bot: null, deviceType: 'mobile' } })]);
    expect([bare!.device, fromMailgun]).toEqual(['UNKNOWN', { client: bare!.client, device: 'MOBILE' }]);
    // The next batch gets the same key from the process's cache.
    expect(parser.clientsOf([evidenceOf(OWN_USER_AGENTS[1]!, {})])[0]).toBe(first);
  });
});
