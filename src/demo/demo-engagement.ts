// What happens to one delivered demo email: the requests its pixel and links
// would receive from the reader's mail client, Apple's privacy proxy, Gmail's
// image proxy and corporate link scanners, named or disguised as browsers.
// Only user agents and client addresses are made up here; the server's own
// classifier decides later what counts, exactly as it would for live traffic.
import type { DemoRandom } from './demo-random';

export interface PlannedEvent {
  kind: 'OPEN' | 'CLICK';
  at: Date;
  userAgent: string;
  /** documentation-range addresses, or the scanners' real networks; only their per-send hash is stored */
  clientIp: string;
  linkPosition: number | null;
  /** a click on the email's hidden trap link (linkPosition is then null) */
  trap?: true;
}

export type MailClient = 'apple-mail' | 'gmail' | 'outlook';

/**
 * The gateway in front of a reader that fetches every link and image first:
 * one that names itself in its user agent, Microsoft's Safe Links from
 * Exchange Online Protection's networks with a browser's user agent, or
 * another gateway with a browser's user agent that only its burst of clicks
 * and the trap link give away.
 */
export type Gateway = 'named-scanner' | 'safe-links' | 'disguised';

/** The recipient behind a contact, drawn once per contact. */
export interface Reader {
  client: MailClient;
  gateway: Gateway | null;
  /** how much more (or less) than average this reader engages */
  interest: number;
  ip: string;
}

export const USER_AGENTS = {
  appleProxy: 'Mozilla/5.0',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  gmailProxy: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  outlook: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)',
  scanners: ['Mozilla/5.0 (compatible; Barracuda Sentinel/1.0)', 'Mimecast URL Protect/1.2', 'Proofpoint URL Defense/3.0'],
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
  slack: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
} as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Exchange Online Protection's outbound ranges (the built-in scanner networks): 40.107.0.0/16 and 104.47.0.0/17. */
const safeLinksIp = (random: DemoRandom) =>
  random.chance(0.5) ? `40.107.${random.int(0, 255)}.${random.int(1, 254)}` : `104.47.${random.int(0, 127)}.${random.int(1, 254)}`;

function drawGateway(random: DemoRandom): Gateway | null {
  const roll = random.next();
  return roll < 0.08 ? 'named-scanner' : roll < 0.18 ? 'safe-links' : roll < 0.24 ? 'disguised' : null;
}

export function drawReader(random: DemoRandom, index: number): Reader {
  const roll = random.next();
  return {
    client: roll < 0.3 ? 'apple-mail' : roll < 0.5 ? 'gmail' : 'outlook',
    gateway: drawGateway(random),
    interest: random.between(0.3, 1.7),
    ip: `203.0.113.${(index % 250) + 1}`,
  };
}

/** Mostly within the first hours, with a long tail over a few days. */
const readingDelay = (random: DemoRandom) => 2 * MINUTE + random.next() ** 3 * 72 * HOUR;

function clicks(random: DemoRandom, reader: Reader, links: number, after: number, userAgent: string): PlannedEvent[] {
  if (links === 0 || !random.chance(0.45)) return [];
  const events: PlannedEvent[] = [];
  let at = after;
  for (let i = random.int(1, 2); i > 0; i--) {
    at += random.between(1, 20) * MINUTE; // minutes apart: never collapsed as a repeat
    const linkPosition = random.chance(0.6) ? 0 : random.int(0, links - 1);
    events.push({ kind: 'CLICK', at: new Date(at), userAgent, clientIp: reader.ip, linkPosition });
  }
  return events;
}

/**
 * The requests one delivered email gets, in no particular order, none after
 * `now`. `appeal` is the chance that the email interests an average reader.
 */
/**
 * The gateway fetches the pixel, then sweeps every link within a second,
 * about 40 s after delivery (the median field data of issue 15 reports), from
 * one address; most follow the hidden trap link too, some only the links a
 * person could see.
 */
function gatewaySweep(random: DemoRandom, gateway: Gateway, sent: number, links: number): PlannedEvent[] {
  const userAgent = gateway === 'named-scanner' ? random.pick(USER_AGENTS.scanners) : USER_AGENTS.edge;
  const clientIp = gateway === 'safe-links' ? safeLinksIp(random) : `198.51.100.${random.int(1, 254)}`;
  const start = sent + random.between(20, 60) * 1000;
  const events: PlannedEvent[] = [{ kind: 'OPEN', at: new Date(start), userAgent, clientIp, linkPosition: null }];
  for (let position = 0; position < links; position++) {
    events.push({ kind: 'CLICK', at: new Date(start + random.between(200, 1000)), userAgent, clientIp, linkPosition: position });
  }
  if (random.chance(0.6)) events.push({ kind: 'CLICK', at: new Date(start + random.between(200, 1000)), userAgent, clientIp, linkPosition: null, trap: true });
  return events;
}

export function engagementOf(random: DemoRandom, reader: Reader, sentAt: Date, links: number, appeal: number, now: Date): PlannedEvent[] {
  const sent = sentAt.getTime();
  const events: PlannedEvent[] = reader.gateway === null ? [] : gatewaySweep(random, reader.gateway, sent, links);
  if (reader.client === 'apple-mail' && random.chance(0.92)) {
    // Apple's proxy fetches the pixel whether or not anyone reads the email.
    const clientIp = `17.58.${random.int(0, 255)}.${random.int(1, 254)}`;
    events.push({ kind: 'OPEN', at: new Date(sent + random.between(1, 90) * MINUTE), userAgent: USER_AGENTS.appleProxy, clientIp, linkPosition: null });
  }
  const interested = random.chance(Math.min(0.95, appeal * reader.interest));
  if (!interested) return events.filter((event) => event.at < now);

  const firstRead = sent + readingDelay(random);
  if (reader.client === 'apple-mail') {
    events.push(...clicks(random, reader, links, firstRead, USER_AGENTS.iphone));
  } else {
    // Gmail shows images through its proxy (a bot unless configured otherwise);
    // Outlook fetches the pixel itself on every reading, and an email that
    // matters to its reader (a quote, a follow-up) is read more often.
    const gmail = reader.client === 'gmail';
    const reads = gmail ? 1 : random.int(1, 1 + Math.round(appeal * 4));
    let at = firstRead;
    for (let i = 0; i < reads; i++) {
      const clientIp = gmail ? `66.249.84.${random.int(1, 254)}` : reader.ip;
      events.push({ kind: 'OPEN', at: new Date(at), userAgent: gmail ? USER_AGENTS.gmailProxy : USER_AGENTS.outlook, clientIp, linkPosition: null });
      at += random.between(1, 30) * HOUR;
    }
    events.push(...clicks(random, reader, links, firstRead, gmail ? USER_AGENTS.chrome : USER_AGENTS.outlook));
  }
  if (links > 0 && random.chance(0.03)) {
    // The reader pasted a link into Slack, which fetched a preview.
    events.push({ kind: 'CLICK', at: new Date(firstRead + random.between(5, 60) * MINUTE), userAgent: USER_AGENTS.slack, clientIp: '54.209.1.1', linkPosition: 0 });
  }
  return events.filter((event) => event.at < now);
}
