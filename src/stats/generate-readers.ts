// Who the generated data set's readers are: their address domains (a mix of
// the big mailbox providers and company domains, roughly as a B2C list
// looks) and the mail clients their counted events come from, as SQL pieces
// for the generator's statements (src/stats/generate-data.ts).
import { providerOfDomain } from '../breakdowns/mailbox-providers';

/** Consumer domains and their share of addresses; what is left goes to company domains. */
const CONSUMER_DOMAINS: [string, number][] = [
  ['gmail.com', 0.3],
  ['googlemail.com', 0.01],
  ['outlook.com', 0.06],
  ['hotmail.com', 0.05],
  ['live.com', 0.02],
  ['hotmail.co.uk', 0.01],
  ['yahoo.com', 0.05],
  ['aol.com', 0.02],
  ['yahoo.fr', 0.01],
  ['icloud.com', 0.06],
  ['me.com', 0.01],
  ['gmx.de', 0.02],
  ['web.de', 0.02],
  ['proton.me', 0.01],
  ['yandex.ru', 0.01],
  ['zoho.com', 0.005],
  ['fastmail.com', 0.005],
];
const COMPANY_DOMAINS = 500;

/** Parameters of the domain choice: consumer domains, their providers, and the cumulative shares that separate them. */
export function readerDomainParameters(): [string[], string[], number[]] {
  let cumulative = 0;
  const bounds = CONSUMER_DOMAINS.map(([, share]) => (cumulative += share));
  return [CONSUMER_DOMAINS.map(([domain]) => domain), CONSUMER_DOMAINS.map(([domain]) => providerOfDomain(domain)), bounds];
}

/**
 * A contact's domain, fixed per contact: `draw` in [0, 1) picks a consumer
 * domain by share (width_bucket over the cumulative shares), else one of the
 * company domains. `$d`, `$b`: the domains and the bounds parameters.
 */
export const domainSql = (draw: string, contact: string, domains: string, bounds: string) =>
  `CASE WHEN ${draw} < (${bounds}::float8[])[cardinality(${bounds}::float8[])]
        THEN (${domains}::text[])[width_bucket(${draw}, ${bounds}::float8[]) + 1]
        ELSE 'company-' || (${contact} % ${COMPANY_DOMAINS}) || '.example' END`;

/** The provider of a domain chosen by domainSql: company domains are OTHER. */
export const providerSql = (draw: string, domains: string, providers: string, bounds: string) =>
  `CASE WHEN ${draw} < (${bounds}::float8[])[cardinality(${bounds}::float8[])]
        THEN (${providers}::text[])[array_position(${domains}::text[], (${domains}::text[])[width_bucket(${draw}, ${bounds}::float8[]) + 1])]
        ELSE 'OTHER' END`;

/**
 * The client and device of a counted event, "CLIENT/DEVICE", by the send's
 * provider and a draw in [0, 1): Gmail readers through Google's proxy, Apple
 * MPP where the event is flagged so, Outlook's desktop and apps, and so on.
 */
export const clientSql = (provider: string, mpp: string, draw: string) => `CASE
  WHEN ${mpp} THEN 'APPLE_MPP/PROXY'
  WHEN ${provider} = 'GMAIL' THEN CASE WHEN ${draw} < 0.7 THEN 'GMAIL/PROXY' ELSE 'WEBMAIL_BROWSER/DESKTOP' END
  WHEN ${provider} = 'OUTLOOK' THEN CASE WHEN ${draw} < 0.5 THEN 'OUTLOOK/DESKTOP' WHEN ${draw} < 0.8 THEN 'OUTLOOK/MOBILE' ELSE 'WEBMAIL_BROWSER/DESKTOP' END
  WHEN ${provider} = 'APPLE' THEN CASE WHEN ${draw} < 0.7 THEN 'APPLE_MAIL/MOBILE' ELSE 'APPLE_MAIL/DESKTOP' END
  WHEN ${provider} = 'YAHOO' THEN CASE WHEN ${draw} < 0.6 THEN 'YAHOO_MAIL/PROXY' ELSE 'YAHOO_MAIL/MOBILE' END
  ELSE CASE WHEN ${draw} < 0.4 THEN 'OUTLOOK/DESKTOP' WHEN ${draw} < 0.65 THEN 'APPLE_MAIL/MOBILE' WHEN ${draw} < 0.85 THEN 'WEBMAIL_BROWSER/DESKTOP'
            WHEN ${draw} < 0.9 THEN 'THUNDERBIRD/DESKTOP' WHEN ${draw} < 0.95 THEN 'SAMSUNG_EMAIL/MOBILE' ELSE 'OTHER/DESKTOP' END
END`;

/** A user agent that the parser credits to each client and device clientSql chooses. */
export const userAgentSql = (clientDevice: string) => `CASE ${clientDevice}
  WHEN 'APPLE_MPP/PROXY' THEN 'Mozilla/5.0'
  WHEN 'GMAIL/PROXY' THEN 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)'
  WHEN 'OUTLOOK/DESKTOP' THEN 'Microsoft Office/16.0 (Microsoft Outlook 16.0.12329; Pro), Mozilla/4.0 (compatible; ms-office; MSOffice 16)'
  WHEN 'OUTLOOK/MOBILE' THEN 'Outlook-iOS/709.2042344.prod.iphone (3.21.0)'
  WHEN 'APPLE_MAIL/MOBILE' THEN 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'
  WHEN 'APPLE_MAIL/DESKTOP' THEN 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)'
  WHEN 'YAHOO_MAIL/PROXY' THEN 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html'
  WHEN 'YAHOO_MAIL/MOBILE' THEN 'Yahoo%20Mail/49268 CFNetwork/1121.2.2 Darwin/19.3.0'
  WHEN 'THUNDERBIRD/DESKTOP' THEN 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.3.0'
  WHEN 'SAMSUNG_EMAIL/MOBILE' THEN 'Mozilla/5.0 (Linux; Android 14; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungEmail/6.1 Chrome/132.0 Mobile Safari/537.36'
  WHEN 'OTHER/DESKTOP' THEN 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/55.0.2883.87 Safari/537.36 eM Client/8.2.1659.0'
  ELSE 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
END`;
