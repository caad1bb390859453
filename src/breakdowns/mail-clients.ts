// Which mail client and device made an open or click (contract section 13):
// Apple's MPP proxy and the providers' image proxies by the classifier's
// verdict, the network or their own tokens; mail clients by their tokens;
// the rest by ua-parser-js (1.x: MIT; 2.x is AGPL), which tells a browser
// (webmail) from anything else, and the device. Called by the event writer,
// once per distinct user agent of a batch, never on the pixel's or the
// redirect's answering path.
// Pure apart from a bounded cache of parsed user agents.
import UAParser from 'ua-parser-js';
import type { ClientKey, Device, MailClient } from './client-keys';
import { CLIENT_RULES, firstMatch, PROXY_RULES, REQUESTED_WITH } from './mail-client-tokens';

/** Provider networks whose addresses the classifier can name: their fetches are those providers' proxies. */
export type ProviderNetwork = 'APPLE' | 'GOOGLE' | 'MICROSOFT' | 'YAHOO';

/** Mailgun's client-info, for webhook events. */
export interface WebhookClientInfo {
  /** client-info.bot, lower case: "apple" (MPP), "gmail" (Google's proxy), others */
  bot: string | null;
  /** client-info.device-type: desktop, mobile, tablet, unknown */
  deviceType: string | null;
}

/** Everything known about who made an event when the writer stores it. */
export interface ClientEvidence {
  userAgent: string | null;
  /** the classifier's Apple MPP flag */
  mpp: boolean;
  /** the classifier's bot reason (USER_AGENT, NETWORK, BURST, TRAP, MAILGUN), null for a person */
  botReason: string | null;
  /** an Android WebView's X-Requested-With: the app that loaded the image */
  requestedWith?: string | null;
  /** the provider network the client address lies in, when known */
  network?: ProviderNetwork | null;
  webhook?: WebhookClientInfo | null;
}

const NETWORK_CLIENTS: Record<ProviderNetwork, MailClient> = { APPLE: 'APPLE_MPP', GOOGLE: 'GMAIL', MICROSOFT: 'OUTLOOK', YAHOO: 'YAHOO_MAIL' };
const WEBHOOK_DEVICES: Readonly<Record<string, Device>> = { desktop: 'DESKTOP', mobile: 'MOBILE', tablet: 'TABLET' };
/** ua-parser-js's names for a bare engine: a WebKit or Gecko embed, not a browser anyone chose. */
const ENGINE_NAMES = new Set(['WebKit', 'Mozilla']);
const DESKTOP_OS = /^(?:Windows|Mac OS|Linux|Ubuntu|Debian|Fedora|Mint|Arch|Gentoo|SUSE|Red Hat|CentOS|Chromium OS|FreeBSD|OpenBSD|NetBSD|Solaris|AmigaOS|BeOS|Haiku)/;
/** Apple Mail on macOS and iOS loads images with the system WebKit's UA, without Safari's own tokens. */
const APPLE_WEBKIT = /\((?:Macintosh|iPhone|iPad|iPod)[;)].*AppleWebKit\//;
const OTHER_APPLE_BROWSERS = /Safari\/|CriOS|FxiOS|EdgiOS|OPiOS|GSA\/|FBAN|Instagram/;
/** Past this, a user agent is junk or an attack; browsers send far less. */
const MAX_USER_AGENT = 512;

function deviceOf(result: UAParser.IResult): Device {
  const type = result.device.type;
  if (type === 'mobile' || type === 'wearable') return 'MOBILE';
  if (type === 'tablet') return 'TABLET';
  if (type !== undefined) return 'UNKNOWN';
  const os = result.os.name ?? '';
  if (os === 'iOS' || os === 'Android') return /iPad/.test(result.ua) ? 'TABLET' : 'MOBILE';
  // An X11 or Windows desktop the library could not name (ElectroBSD, a rare Windows build).
  return DESKTOP_OS.test(os) || /\(X11;|Windows NT|Macintosh/.test(result.ua) ? 'DESKTOP' : 'UNKNOWN';
}

/** The user agent alone, through our tokens and the library. */
export function parseUserAgent(userAgent: string): ClientKey {
  const ua = userAgent.slice(0, MAX_USER_AGENT);
  const proxy = firstMatch(PROXY_RULES, ua);
  if (proxy) return { client: proxy.client, device: proxy.device ?? 'PROXY' };
  const token = firstMatch(CLIENT_RULES, ua);
  const result = new UAParser(ua).getResult();
  if (token) return { client: token.client, device: token.device ?? deviceOf(result) };
  if (APPLE_WEBKIT.test(ua) && !OTHER_APPLE_BROWSERS.test(ua)) return { client: 'APPLE_MAIL', device: deviceOf(result) };
  const browser = result.browser.name;
  const client: MailClient = browser !== undefined && !ENGINE_NAMES.has(browser) ? 'WEBMAIL_BROWSER' : 'OTHER';
  return { client, device: deviceOf(result) };
}

/** Remembers the latest parsed user agents: mail traffic repeats a few thousand of them. */
export class MailClientParser {
  private readonly cache = new Map<string, ClientKey>();

  constructor(private readonly maxEntries = 10_000) {}

  /** The client and device credited with an event. */
  clientOf(evidence: ClientEvidence): ClientKey {
    return this.clientFrom(evidence, null);
  }

  /**
   * A batch's clients (null where `evidences` has none): each distinct user
   * agent of the batch goes through the cache once, not once per event, and
   * an event that is its user agent's client alone shares the cached key.
   */
  clientsOf(evidences: readonly (ClientEvidence | null)[]): (ClientKey | null)[] {
    const batch = new Map<string, ClientKey>();
    return evidences.map((evidence) => (evidence === null ? null : this.clientFrom(evidence, batch)));
  }

  private clientFrom(evidence: ClientEvidence, batch: Map<string, ClientKey> | null): ClientKey {
    const { userAgent, webhook } = evidence;
    if (evidence.mpp || webhook?.bot === 'apple' || (evidence.network === 'APPLE' && userAgent === 'Mozilla/5.0')) {
      return { client: 'APPLE_MPP', device: 'PROXY' };
    }
    if (webhook?.bot === 'gmail') return { client: 'GMAIL', device: 'PROXY' };
    // Cached by the part parsed: a junk user agent of kilobytes holds no more memory than a real one.
    const parsed = userAgent === null || userAgent.trim() === '' ? null : this.parseIn(batch, userAgent.slice(0, MAX_USER_AGENT));
    if (parsed?.device === 'PROXY') return parsed;
    // A provider's network or a mail-security network fetching: that provider's proxy, whatever the UA claims.
    if (evidence.network) return { client: NETWORK_CLIENTS[evidence.network], device: 'PROXY' };
    if (evidence.botReason === 'NETWORK') return { client: parsed?.client ?? 'UNKNOWN', device: 'PROXY' };
    const app = evidence.requestedWith ? REQUESTED_WITH.get(evidence.requestedWith) ?? 'OTHER' : null;
    const webhookDevice = webhook?.deviceType ? WEBHOOK_DEVICES[webhook.deviceType] : undefined;
    if (parsed !== null && app === null && (parsed.device !== 'UNKNOWN' || webhookDevice === undefined)) return parsed;
    const device = parsed?.device ?? 'UNKNOWN';
    return { client: app ?? parsed?.client ?? 'UNKNOWN', device: device === 'UNKNOWN' ? webhookDevice ?? 'UNKNOWN' : device };
  }

  private parseIn(batch: Map<string, ClientKey> | null, userAgent: string): ClientKey {
    if (batch === null) return this.parse(userAgent);
    let parsed = batch.get(userAgent);
    if (parsed === undefined) batch.set(userAgent, (parsed = this.parse(userAgent)));
    return parsed;
  }

  private parse(userAgent: string): ClientKey {
    const cached = this.cache.get(userAgent);
    if (cached) {
      // Most recently used last, so eviction takes the least recently used.
      this.cache.delete(userAgent);
      this.cache.set(userAgent, cached);
      return cached;
    }
    // Frozen: the writer shares one key among the events of a user agent.
    const parsed = Object.freeze(parseUserAgent(userAgent));
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(userAgent, parsed);
    return parsed;
  }
}
