// The signature check against Mailgun's own: the published bodies of
// ../shared/realworld/mailgun whose signing key is known (SOURCES.md) verify
// with that key and no other, read the way the webhook reads them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { legacyWebhook } from '../../src/webhooks/legacy-fields';
import { parseJsonWebhook } from '../../src/webhooks/parse-request';
import { readSignature, verifyMailgunSignature } from '../../src/webhooks/signature';

const REALWORLD = path.resolve(__dirname, '../../../shared/realworld/mailgun');
/** SOURCES.md, "Signing keys that verify the signed files". */
const KEYS: [RegExp, string][] = [
  [/^symfony__.*\.json$/, 'key-0p6mqbf74lb20gzq9f4dhpn9rg3zyk26'],
  [/^anymail__.*\.(json|form\.urlencoded)$/, 'TEST_WEBHOOK_SIGNING_KEY'],
  [/^oca-mail_tracking_mailgun__.*\.form\.urlencoded$/, 'key-12345678901234567890123456789012'],
];
const signed = existsSync(REALWORLD)
  ? readdirSync(REALWORLD)
      .sort()
      .flatMap((file) => KEYS.filter(([pattern]) => pattern.test(file)).map(([, key]) => [file, key] as const))
  : [];

/** The signature fields as the webhook reads them (inbound-route posts are signed too, though refused later for want of an event). */
function signatureOf(file: string) {
  const text = readFileSync(path.join(REALWORLD, file), 'utf8');
  if (file.endsWith('.json')) {
    const parsed = parseJsonWebhook(text);
    if (!parsed.ok) throw new Error(`${file}: ${parsed.problem}`);
    return parsed.webhook.signature!;
  }
  const legacy = legacyWebhook([...new URLSearchParams(text.trim())]);
  return readSignature(legacy.timestamp, legacy.token, legacy.signature)!;
}

if (signed.length > 0) {
  describe(`published signatures at ${REALWORLD}`, () => {
    it.each(signed)('%s verifies with its published key and no other', (file, key) => {
      const signature = signatureOf(file);
      expect(verifyMailgunSignature(key, signature)).toBe(true);
      expect(verifyMailgunSignature(`${key}x`, signature)).toBe(false);
    });

    it('reads the last token, timestamp and signature of a legacy post whose user variables repeat them', () => {
      const file = 'anymail__legacy-clicked-user-variable-key-conflicts.form.urlencoded';
      expect(signatureOf(file)).toMatchObject({ timestamp: '1461261330', token: 'actual-event-token' });
    });
  });
} else {
  console.warn(`published Mailgun bodies not found at ${REALWORLD}: the published-signature tests are skipped`);
  describe.skip(`published Mailgun bodies not found at ${REALWORLD}`, () => it('verifies every published signature', () => undefined));
}
