// Which mailbox provider hosts a recipient's address (contract section 13),
// decided from the domain alone when the send is recorded: no DNS or other
// network look-up at send time. A company domain hosted by Google Workspace
// or Microsoft 365 is OTHER: only an MX look-up could tell, and a send must
// never wait on one. Pure.
//
// Sources of the domains (each provider's own list of its consumer domains):
// - GMAIL: Google, "Gmail and Googlemail" (support.google.com/mail/answer/10313):
//   gmail.com everywhere, googlemail.com where Gmail could not use the name.
// - OUTLOOK: Microsoft, "Outlook.com email domains" (support.microsoft.com,
//   outlook.com, hotmail.*, live.*, msn.com), windowslive.com and passport.com
//   (legacy Microsoft account domains served by Outlook.com).
// - YAHOO: Yahoo, "Create a Yahoo Mail address" (yahoo.*, ymail.com,
//   rocketmail.com) and Yahoo Inc.'s AOL Mail (aol.*, aim.com, verizon.net
//   mailboxes moved to AOL Mail in 2017). yahoo.co.jp is Yahoo! JAPAN's own
//   service (LY Corporation), counted here because the contract says yahoo.*.
// - APPLE: Apple, "iCloud Mail": icloud.com, me.com, mac.com.
// - PROTON: Proton, "Proton Mail addresses": proton.me, protonmail.com,
//   protonmail.ch, pm.me.
// - GMX: United Internet, GMX (gmx.*) and WEB.DE (web.de), one infrastructure.
// - YANDEX: Yandex, "Yandex Mail addresses": yandex.*, ya.ru, narod.ru.
// - ZOHO: Zoho Mail's free domains: zoho.com, zohomail.com and their regional forms.
// - FASTMAIL: Fastmail's own domains (fastmail.*, messagingengine.com, sent.com,
//   and the best-known of its alias domains).

export const MAILBOX_PROVIDERS = ['GMAIL', 'OUTLOOK', 'YAHOO', 'APPLE', 'PROTON', 'GMX', 'YANDEX', 'ZOHO', 'FASTMAIL', 'OTHER'] as const;
export type MailboxProvider = (typeof MAILBOX_PROVIDERS)[number];

/** What the Stats page and the API's `label` show for each key. */
export const PROVIDER_LABELS: Record<MailboxProvider, string> = {
  GMAIL: 'Gmail',
  OUTLOOK: 'Outlook.com',
  YAHOO: 'Yahoo / AOL',
  APPLE: 'iCloud Mail',
  PROTON: 'Proton Mail',
  GMX: 'GMX / WEB.DE',
  YANDEX: 'Yandex Mail',
  ZOHO: 'Zoho Mail',
  FASTMAIL: 'Fastmail',
  OTHER: 'Other',
};

// Maps, not objects: a domain such as `constructor.com` must find nothing.
/** Exact domains. */
const DOMAINS = new Map<string, MailboxProvider>();
/** Brand names registered under many public suffixes: `brand.<suffix>` (hotmail.co.uk, yahoo.fr). */
const BRANDS = new Map<string, MailboxProvider>();

function add(provider: MailboxProvider, domains: readonly string[], brands: readonly string[] = []): void {
  for (const domain of domains) DOMAINS.set(domain, provider);
  for (const brand of brands) BRANDS.set(brand, provider);
}

add('GMAIL', ['gmail.com', 'googlemail.com']);
add('OUTLOOK', ['msn.com', 'windowslive.com', 'passport.com'], ['outlook', 'hotmail', 'live']);
add('YAHOO', ['ymail.com', 'rocketmail.com', 'aim.com', 'verizon.net'], ['yahoo', 'aol']);
add('APPLE', ['icloud.com', 'me.com', 'mac.com']);
add('PROTON', ['proton.me', 'pm.me'], ['protonmail']);
add('GMX', ['web.de'], ['gmx']);
add('YANDEX', ['ya.ru', 'narod.ru'], ['yandex']);
add('ZOHO', ['zoho.com', 'zohomail.com', 'zoho.eu', 'zohomail.eu', 'zoho.in', 'zohomail.in', 'zoho.com.au', 'zohomail.com.au', 'zoho.jp', 'zohomail.jp']);
add('FASTMAIL', ['messagingengine.com', 'sent.com', 'myfastmail.com', 'fastem.com', 'fastemail.us', 'fastmailbox.net', 'ftml.net', 'imap.cc', 'mm.st'], ['fastmail']);

/**
 * Public suffixes a brand is registered under: com, net, org, a country
 * code (fr, de), or a country's second level (co.uk, com.au, co.jp).
 * Reserved names (example, test, invalid, localhost) and look-alikes
 * (notgmail.com, yahoo.example) never match.
 */
const BRAND_SUFFIX = /^(?:com|net|org|[a-z]{2}|(?:co|com|net|org|ne|or)\.[a-z]{2})$/;

/**
 * The lower-case domain of an address (after its last `@`, without a
 * trailing dot), or null when there is none (an erased address is '').
 */
export function recipientDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 0) return null;
  const domain = email.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
  return domain === '' ? null : domain;
}

/** The provider hosting addresses at `domain` (lower case, as recipientDomain gives it). */
export function providerOfDomain(domain: string | null): MailboxProvider {
  if (domain === null) return 'OTHER';
  const exact = DOMAINS.get(domain);
  if (exact) return exact;
  const dot = domain.indexOf('.');
  if (dot <= 0) return 'OTHER';
  const brand = BRANDS.get(domain.slice(0, dot));
  return brand && BRAND_SUFFIX.test(domain.slice(dot + 1)) ? brand : 'OTHER';
}

/** Both facts a send keeps about its address from the moment it is recorded. */
export function classifyRecipient(email: string): { domain: string | null; provider: MailboxProvider } {
  const domain = recipientDomain(email);
  return { domain, provider: providerOfDomain(domain) };
}
