// emailSettings, setMailgunSigningKey, clearMailgunSigningKey: who may touch
// which row, what a key may look like, and that the key is write-only and
// sealed at rest.
import { ClearMailgunSigningKeyDocument, EmailSettingsDocument, SetMailgunSigningKeyDocument } from '../generated/graphql';
import { TEST_ENV, startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql, gqlRaw } from '../support/graphql-client';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const KEY = 'sekrit-signing-key-abcdef0123456789';

describe('ORG scope', () => {
  it('owners and admins set, read and clear the key; the key never comes back', async () => {
    const orgId = uniqueOrg('settings');
    const owner = await tokenFor(orgId, 'owner-1', 'owner');
    const admin = await tokenFor(orgId, 'admin-1', 'admin');
    expect((await gql(t.url, EmailSettingsDocument, {}, owner)).data?.emailSettings).toEqual({ scope: 'ORG', mailgunSigningKeySet: false, updatedAt: null });

    const set = await gql(t.url, SetMailgunSigningKeyDocument, { key: `  ${KEY}\n` }, admin);
    expect(set.data?.setMailgunSigningKey).toEqual({ scope: 'ORG', mailgunSigningKeySet: true, updatedAt: expect.any(String) });
    const read = await gql(t.url, EmailSettingsDocument, { scope: 'ORG' }, owner);
    expect(read.data?.emailSettings.mailgunSigningKeySet).toBe(true);
    expect(JSON.stringify(set) + JSON.stringify(read)).not.toContain(KEY);

    const cleared = await gql(t.url, ClearMailgunSigningKeyDocument, { scope: 'ORG' }, owner);
    expect(cleared.data?.clearMailgunSigningKey.mailgunSigningKeySet).toBe(false);
    expect((await gql(t.url, EmailSettingsDocument, {}, owner)).data?.emailSettings.mailgunSigningKeySet).toBe(false);
  });

  it('stores the key sealed (AES-256-GCM: version, nonce, tag, ciphertext), never in the clear', async () => {
    const orgId = uniqueOrg('settings');
    await gql(t.url, SetMailgunSigningKeyDocument, { key: KEY }, await tokenFor(orgId, 'owner-1', 'owner'));
    const [row] = await t.app.db.query(`SELECT mailgun_signing_key_enc AS sealed FROM email_settings WHERE org_id = $1 AND team_id = ''`, [orgId]);
    const sealed = (row as { sealed: Buffer }).sealed;
    expect(sealed[0]).toBe(1);
    expect(sealed.length).toBe(1 + 12 + 16 + KEY.length);
    expect(sealed.toString('latin1')).not.toContain(KEY);
    expect(sealed.toString('latin1')).not.toContain(TEST_ENV.SECRETS_ENCRYPTION_KEY);
  });

  it('refuses partners, sales reps, members and service tokens', async () => {
    const orgId = uniqueOrg('settings');
    for (const role of ['partner', 'sales_rep', 'member', 'service'] as const) {
      const token = await tokenFor(orgId, 'u-1', role, 'team-1');
      expect(errorCodes(await gql(t.url, SetMailgunSigningKeyDocument, { key: KEY }, token))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await gql(t.url, EmailSettingsDocument, {}, token))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await gql(t.url, ClearMailgunSigningKeyDocument, {}, token))).toEqual(['FORBIDDEN']);
    }
    const [row] = await t.app.db.query(`SELECT count(*)::int AS n FROM email_settings WHERE org_id = $1`, [orgId]);
    expect((row as { n: number }).n).toBe(0);
  });

  it('refuses callers without a token', async () => {
    expect(errorCodes(await gql(t.url, SetMailgunSigningKeyDocument, { key: KEY }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql(t.url, EmailSettingsDocument, {}))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('TEAM scope', () => {
  it("a partner manages its own team's key, separate from the organisation's", async () => {
    const orgId = uniqueOrg('settings');
    const partner = await tokenFor(orgId, 'p-1', 'partner', 'red');
    const set = await gql(t.url, SetMailgunSigningKeyDocument, { scope: 'TEAM', key: KEY }, partner);
    expect(set.data?.setMailgunSigningKey).toEqual({ scope: 'TEAM', mailgunSigningKeySet: true, updatedAt: expect.any(String) });
    const owner = await tokenFor(orgId, 'owner-1', 'owner');
    expect((await gql(t.url, EmailSettingsDocument, {}, owner)).data?.emailSettings.mailgunSigningKeySet).toBe(false);
    const otherTeam = await tokenFor(orgId, 'p-2', 'partner', 'blue');
    expect((await gql(t.url, EmailSettingsDocument, { scope: 'TEAM' }, otherTeam)).data?.emailSettings.mailgunSigningKeySet).toBe(false);
    const rows = await t.app.db.query(`SELECT team_id FROM email_settings WHERE org_id = $1`, [orgId]);
    expect(rows).toEqual([{ team_id: 'red' }]);
  });

  it('refuses a partner without a team claim, owners and admins, and sales reps', async () => {
    const orgId = uniqueOrg('settings');
    const callers = [
      await tokenFor(orgId, 'p-1', 'partner'),
      await tokenFor(orgId, 'o-1', 'owner', 'red'),
      await tokenFor(orgId, 'a-1', 'admin'),
      await tokenFor(orgId, 's-1', 'sales_rep', 'red'),
    ];
    for (const token of callers) {
      expect(errorCodes(await gql(t.url, SetMailgunSigningKeyDocument, { scope: 'TEAM', key: KEY }, token))).toEqual(['FORBIDDEN']);
    }
  });
});

describe('key validation', () => {
  it('refuses empty, short, long and non-printable keys with BAD_USER_INPUT, never echoing them', async () => {
    const owner = await tokenFor(uniqueOrg('settings'), 'owner-1', 'owner');
    for (const key of ['', '   ', 'short', 'has space inside it', 'tab\tinside-the-key', 'ключ-подписи-mailgun', 'x'.repeat(257)]) {
      const result = await gql(t.url, SetMailgunSigningKeyDocument, { key }, owner);
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      if (key.trim().length > 0) expect(JSON.stringify(result.errors)).not.toContain(key.trim());
    }
  });

  it('refuses a scope outside the enum', async () => {
    const owner = await tokenFor(uniqueOrg('settings'), 'owner-1', 'owner');
    const result = await gqlRaw(t.url, 'mutation { setMailgunSigningKey(scope: WORLD, key: "abcdefgh1234") { scope } }', {}, owner);
    expect(errorCodes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});
