// Who fetched a pixel or followed a link: a person, Apple's privacy proxy, or
// a machine (preview bots, link scanners, mail-security networks). Pure, so
// every rule is unit-tested.
import { BotNetworks, BUILT_IN_BOT_NETWORKS } from './bot-networks';
import { BotUserAgents } from './bot-user-agents';
import type { Config } from '../config';
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

export interface ClassifierOptions {
  /** EMAIL_TRACKING_BOT_USER_AGENTS: plain text, matched as whole words */
  extraBotPatterns: readonly string[];
  /** Gmail fetches images through GoogleImageProxy when a person opens the email */
  countGmailProxy: boolean;
  /** EMAIL_TRACKING_BOT_NETWORKS, canonical CIDRs, on top of the built-in ones */
  extraBotNetworks?: readonly string[];
  /** false only for the tracking benchmark's baseline: no user-agent or network rule at all */
  machineRules?: boolean;
}

const GMAIL_PROXY = 'googleimageproxy';
const PERSON: Classification = { countable: true, bot: false, botReason: null, mpp: false };
const NOT_RECORDED: Classification = { countable: false, bot: false, botReason: null, mpp: false };

export const botVerdict = (botReason: BotReason): Classification => ({ countable: false, bot: true, botReason, mpp: false });

export class RequestClassifier {
  private readonly userAgents: BotUserAgents;
  private readonly networks: BotNetworks;
  private readonly gmailIsBot: boolean;
  private readonly machineRules: boolean;

  constructor(options: ClassifierOptions) {
    // GoogleImageProxy follows its own switch, whatever the operator's list says.
    this.userAgents = new BotUserAgents(options.extraBotPatterns.filter((pattern) => pattern.toLowerCase() !== GMAIL_PROXY));
    this.networks = new BotNetworks([...BUILT_IN_BOT_NETWORKS, ...(options.extraBotNetworks ?? [])]);
    this.gmailIsBot = !options.countGmailProxy;
    this.machineRules = options.machineRules ?? true;
  }

  isBot(userAgent: string | undefined): boolean {
    // No user agent at all: a script, not a mail client.
    if (userAgent === undefined || userAgent.trim() === '') return true;
    // Apple's proxy is a machine too, but it stands for a person's open (MPP).
    if (isMppProxy(userAgent)) return false;
    if (userAgent.toLowerCase().includes(GMAIL_PROXY)) return this.gmailIsBot;
    return this.userAgents.matches(userAgent);
  }

  /** The plain client address lies in a known mail-security scanning network. */
  isBotNetwork(ip: string): boolean {
    return this.networks.contains(ip);
  }

  /**
   * HEAD requests and prefetches get the same answer but are never counted
   * (and not recorded). Bots are recorded, never counted: by their user agent
   * first, then by their network. `clientIp` is the plain address, before it
   * is hashed.
   */
  classify(method: string, userAgent: string | undefined, purpose: string | undefined, kind: 'open' | 'click', clientIp?: string): Classification {
    if (method === 'HEAD' || isPrefetch(purpose)) return { ...NOT_RECORDED };
    if (this.machineRules) {
      if (this.isBot(userAgent)) return botVerdict('USER_AGENT');
      if (clientIp !== undefined && this.networks.contains(clientIp)) return botVerdict('NETWORK');
    }
    return kind === 'open' && isMppProxy(userAgent) ? { ...PERSON, mpp: true } : { ...PERSON };
  }

  /**
   * A request for the hidden trap link: only a machine follows it, whatever
   * its user agent or network says; HEAD and prefetches stay unrecorded.
   */
  classifyTrap(method: string, purpose: string | undefined): Classification {
    if (method === 'HEAD' || isPrefetch(purpose)) return { ...NOT_RECORDED };
    return botVerdict('TRAP');
  }
}

/** The classifier the configuration asks for: the server and `npm run demo` use the same. */
export function classifierFor(config: Pick<Config, 'extraBotUserAgents' | 'countGmailProxy' | 'botNetworks'>, machineRules = true): RequestClassifier {
  return new RequestClassifier({
    extraBotPatterns: config.extraBotUserAgents,
    countGmailProxy: config.countGmailProxy,
    extraBotNetworks: config.botNetworks,
    machineRules,
  });
}

/** Apple's proxy fetches with exactly this user agent, nothing more. */
export function isMppProxy(userAgent: string | undefined): boolean {
  return userAgent === 'Mozilla/5.0';
}

export function isPrefetch(purpose: string | undefined): boolean {
  return purpose !== undefined && purpose.toLowerCase().includes('prefetch');
}
