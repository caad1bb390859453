// The mail clients and devices a counted open or click is credited to
// (contract section 13), and their labels. Proxies are named: Apple's MPP
// proxy is its own client, and every mailbox provider's image proxy has the
// device PROXY, so proxied opens never hide in UNKNOWN. Pure.

export const MAIL_CLIENTS = [
  'APPLE_MAIL',
  'APPLE_MPP',
  'GMAIL',
  'OUTLOOK',
  'YAHOO_MAIL',
  'THUNDERBIRD',
  'SAMSUNG_EMAIL',
  'WEBMAIL_BROWSER',
  'OTHER',
  'UNKNOWN',
] as const;
export type MailClient = (typeof MAIL_CLIENTS)[number];

export const DEVICES = ['DESKTOP', 'MOBILE', 'TABLET', 'PROXY', 'UNKNOWN'] as const;
export type Device = (typeof DEVICES)[number];

export const CLIENT_LABELS: Record<MailClient, string> = {
  APPLE_MAIL: 'Apple Mail',
  APPLE_MPP: 'Apple Mail Privacy Protection (proxy)',
  GMAIL: 'Gmail',
  OUTLOOK: 'Outlook',
  YAHOO_MAIL: 'Yahoo Mail',
  THUNDERBIRD: 'Thunderbird',
  SAMSUNG_EMAIL: 'Samsung Email',
  WEBMAIL_BROWSER: 'Webmail in a browser',
  OTHER: 'Other mail client',
  UNKNOWN: 'Unknown',
};

export const DEVICE_LABELS: Record<Device, string> = {
  DESKTOP: 'Desktop',
  MOBILE: 'Mobile',
  TABLET: 'Tablet',
  PROXY: 'Mail provider proxy',
  UNKNOWN: 'Unknown',
};

/** What one event's client is credited as. */
export interface ClientKey {
  client: MailClient;
  device: Device;
}
