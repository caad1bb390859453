// The Standard Webhooks signer against the standardwebhooks package, which
// receivers verify with; the secrets' form; and the opened secrets a
// delivering process keeps, which follow a rotation and its 24-hour overlap.
import { Webhook } from 'standardwebhooks';
import { OpenedSecrets, sealEndpointSecret } from '../../src/outbound/endpoint-secrets';
import { formatSecret, secretKey, signMessage } from '../../src/outbound/signer';

const secret = formatSecret(Buffer.alloc(32, 1));
const other = formatSecret(Buffer.alloc(24, 2));
const body = JSON.stringify({ type: 'email.opened', timestamp: '2026-01-02T03:04:05.000Z', data: { eventId: 'e1', url: 'https://example.com/ä?x=1&y=2' } });

test('signs as the package does, and the package verifies it', () => {
  const at = new Date();
  const seconds = Math.floor(at.getTime() / 1000);
  const headers = signMessage([secret], 'msg-1', seconds, body);
  expect(headers).toEqual({ 'webhook-id': 'msg-1', 'webhook-timestamp': String(seconds), 'webhook-signature': new Webhook(secret).sign('msg-1', at, body) });
  expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  expect(() => new Webhook(other).verify(body, headers)).toThrow();
  expect(() => new Webhook(secret).verify(body.replace('e1', 'e2'), headers)).toThrow();
  expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg-2' })).toThrow();
});

test('during a rotation both secrets sign, space separated, and either verifies', () => {
  const seconds = Math.floor(Date.now() / 1000);
  const headers = signMessage([secret, other], 'msg-1', seconds, body);
  expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
  expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=* v1,[A-Za-z0-9+/]+=*$/);
  for (const key of [secret, other]) expect(new Webhook(key).verify(body, headers)).toEqual(JSON.parse(body));
});

test('a secret is whsec_ and 24 to 64 bytes of base64', () => {
  expect(secretKey(secret)?.length).toBe(32);
  expect(secretKey(formatSecret(Buffer.alloc(64)))?.length).toBe(64);
  expect(secretKey(`whsec_${Buffer.alloc(23).toString('base64')}`)).toBeNull();
  expect(secretKey(`whsec_${Buffer.alloc(65).toString('base64')}`)).toBeNull();
  expect(secretKey(secret.slice(6))).toBeNull();
  expect(secretKey('whsec_not base64!')).toBeNull();
  expect(() => formatSecret(Buffer.alloc(8))).toThrow();
  expect(() => signMessage([], 'id', 1, body)).toThrow();
});

test('opened secrets are kept per endpoint until a rotation changes them, and the old one signs only during its overlap', () => {
  const key = Buffer.alloc(32, 7);
  const opened = new OpenedSecrets(key);
  const sealed = { orgId: 'o', endpointId: 'e', current: sealEndpointSecret(key, secret, 'o', 'e'), previous: null, previousUntil: null };
  expect(opened.signing(sealed, 0)).toEqual([secret]);
  // Another row's sealed bytes do not open here, cached or not.
  expect(() => opened.signing({ ...sealed, orgId: 'p' }, 0)).toThrow();
  const rotated = { ...sealed, current: sealEndpointSecret(key, other, 'o', 'e'), previous: sealed.current, previousUntil: new Date(1_000) };
  expect(opened.signing(rotated, 500)).toEqual([other, secret]);
  expect(opened.signing(rotated, 1_000)).toEqual([other]);
});
