// The provider table against real consumer domains, and look-alikes that
// must stay OTHER (a wildcard that matched them would credit Gmail or Yahoo
// with another company's readers).
import { classifyRecipient, providerOfDomain, recipientDomain, MAILBOX_PROVIDERS, PROVIDER_LABELS } from '../../src/breakdowns/mailbox-providers';

const REAL: [string, string][] = [
  ['gmail.com', 'GMAIL'],
  ['googlemail.com', 'GMAIL'],
  ['outlook.com', 'OUTLOOK'],
  ['outlook.fr', 'OUTLOOK'],
  ['outlook.co.th', 'OUTLOOK'],
  ['hotmail.com', 'OUTLOOK'],
  ['hotmail.co.uk', 'OUTLOOK'],
  ['hotmail.com.br', 'OUTLOOK'],
  ['live.com', 'OUTLOOK'],
  ['live.nl', 'OUTLOOK'],
  ['live.com.au', 'OUTLOOK'],
  ['msn.com', 'OUTLOOK'],
  ['yahoo.com', 'YAHOO'],
  ['yahoo.co.uk', 'YAHOO'],
  ['yahoo.fr', 'YAHOO'],
  ['yahoo.co.jp', 'YAHOO'],
  ['yahoo.com.ar', 'YAHOO'],
  ['ymail.com', 'YAHOO'],
  ['rocketmail.com', 'YAHOO'],
  ['aol.com', 'YAHOO'],
  ['aol.de', 'YAHOO'],
  ['icloud.com', 'APPLE'],
  ['me.com', 'APPLE'],
  ['mac.com', 'APPLE'],
  ['proton.me', 'PROTON'],
  ['protonmail.com', 'PROTON'],
  ['protonmail.ch', 'PROTON'],
  ['pm.me', 'PROTON'],
  ['gmx.de', 'GMX'],
  ['gmx.net', 'GMX'],
  ['gmx.at', 'GMX'],
  ['gmx.com', 'GMX'],
  ['web.de', 'GMX'],
  ['yandex.ru', 'YANDEX'],
  ['yandex.com', 'YANDEX'],
  ['yandex.com.tr', 'YANDEX'],
  ['ya.ru', 'YANDEX'],
  ['zoho.com', 'ZOHO'],
  ['zohomail.eu', 'ZOHO'],
  ['fastmail.com', 'FASTMAIL'],
  ['fastmail.fm', 'FASTMAIL'],
  ['example.com', 'OTHER'],
  ['acme-corp.de', 'OTHER'],
  ['mail.ru', 'OTHER'],
];

const LOOK_ALIKES = [
  'gmail.co',
  'gmail.de',
  'gmai.com',
  'notgmail.com',
  'gmail.com.evil.net',
  'mail.gmail.com',
  'yahoo.example',
  'yahoo.test',
  'yahoo.invalid',
  'yahoo.localhost',
  'yahoo',
  'myyahoo.com',
  'yahoo-inc.com',
  'hotmail.example.com',
  'outlookmail.com',
  'live.example',
  'icloud.co',
  'protonmail.example',
  'gmx.evil.com',
  'constructor',
  'constructor.com',
  '__proto__.com',
  'toString.com',
];

describe('mailbox providers by domain', () => {
  it.each(REAL)('%s is %s', (domain, provider) => {
    expect(providerOfDomain(domain)).toBe(provider);
  });

  it.each(LOOK_ALIKES)('%s stays OTHER', (domain) => {
    expect(providerOfDomain(domain.toLowerCase())).toBe('OTHER');
  });

  it('reads the domain after the last @, in lower case, without a trailing dot', () => {
    expect(recipientDomain('Ada@GMail.COM')).toBe('gmail.com');
    expect(recipientDomain('"a@b"@Hotmail.co.UK.')).toBe('hotmail.co.uk');
    expect(classifyRecipient('Ada.Lovelace+news@GoogleMail.com')).toEqual({ domain: 'googlemail.com', provider: 'GMAIL' });
  });

  it('an erased or malformed address has no domain and is OTHER', () => {
    expect(classifyRecipient('')).toEqual({ domain: null, provider: 'OTHER' });
    expect(classifyRecipient('no-at-sign')).toEqual({ domain: null, provider: 'OTHER' });
    expect(classifyRecipient('trailing@')).toEqual({ domain: null, provider: 'OTHER' });
  });

  it('labels every provider', () => {
    for (const provider of MAILBOX_PROVIDERS) expect(PROVIDER_LABELS[provider]).toMatch(/\S/);
  });
});
