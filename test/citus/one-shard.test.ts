// On the cluster (the `citus` project only): what is done for one
// organisation (instrument an email; its pixel and its link followed and
// written; a Mailgun webhook about it; every stats view, the send, the
// contact; consent, erasure; the email settings) runs on that
// organisation's shards alone. Every statement the application sends is
// captured and run again, in a transaction rolled back, with Citus logging
// the commands it sends to the workers (citus.log_remote_commands): the
// shards they name must all be of one shard group, the organisation's.
// docs/scaling.md lists what fans out instead.
import { Client } from 'pg';
import {
  CampaignDrillDownDocument, CampaignRecipientsDocument, CampaignsFullDocument, ContactDocument, ContactPrivacyActionsDocument,
  EmailSettingsDocument, ForgetContactDocument, OverviewBreakdownDocument, OverviewDocument, SendDocument, SetContactTrackingConsentDocument,
  SetMailgunSigningKeyDocument, TemplatesFullDocument, TimelineDocument,
} from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { TRACKING_ORIGIN } from '../support/instrument';
import { PLATFORM_KEY, eventData, jsonBody, postJson } from '../support/mailgun';
import { followLink, openPixel, sendTrackedEmail } from '../support/privacy';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, TRUST_PROXY: '1' });
});
afterAll(async () => {
  await t?.close();
});

interface Sent {
  text: string;
  values: unknown[];
}

/** Every statement sent by the application while `work` runs, from any of its connections. */
async function statementsOf(work: () => Promise<void>): Promise<Sent[]> {
  const query = jest.spyOn(Client.prototype, 'query');
  try {
    await work();
    return query.mock.calls.flatMap(([config, values]) => {
      const sent = typeof config === 'string' ? { text: config, values: values as unknown[] } : (config as { text?: string; values?: unknown[] });
      return typeof sent.text === 'string' ? [{ text: sent.text, values: sent.values ?? [] }] : [];
    });
  } finally {
    query.mockRestore();
  }
}

const PLANNED = /^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i;
/**
 * The process's own background work, running while the test does, that
 * docs/scaling.md says reads every shard: the compactor's look for the
 * organisations with pending deltas (each one's are then folded on its shards).
 */
const EVERY_SHARD_BY_DESIGN = [/\bFROM send_stats_deltas UNION SELECT org_id FROM send_link_stats_deltas\b/];
/** Statements on no table of ours (the session's own settings, advisory locks, version probes) have no Citus plan to judge. */
const OURS = /\b(sends|send_links|tracking_events|contacts|enrollments|campaigns|templates|email_settings|send_\w+|contact_privacy_actions|machine_clients)\b/;

/**
 * The shard groups a statement touched when run again: the shards the
 * commands Citus sent to the workers name (tables are called <table>_<shard
 * id> there), grouped by hash range, which co-located shards share. Rolled
 * back; a statement that fails when repeated (a key inserted twice) has
 * been routed by then.
 */
async function shardGroupsOf(statement: Sent): Promise<Set<string>> {
  const runner = t.app.db.createQueryRunner();
  const client = (await runner.connect()) as Client;
  const shards = new Set<string>();
  const listen = (notice: { message?: string }) => {
    if (!notice.message?.startsWith('issuing ')) return;
    for (const match of notice.message.matchAll(/\b[a-z][a-z0-9_]*?_(\d{6,})\b/g)) shards.add(match[1]);
  };
  client.on('notice', listen);
  try {
    await runner.startTransaction();
    await runner.query(`SET LOCAL citus.log_remote_commands = on`);
    await runner.query('SAVEPOINT repeated');
    await runner.query(statement.text, statement.values).catch(() => runner.query('ROLLBACK TO SAVEPOINT repeated'));
  } finally {
    client.off('notice', listen);
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
  const groups: { range: string }[] = await t.app.db.query(`SELECT DISTINCT shardminvalue AS range FROM pg_dist_shard WHERE shardid = ANY($1::bigint[])`, [[...shards]]);
  return new Set(groups.map((group) => group.range));
}

it('sees a statement over every organisation spread over several shard groups (the check can fail)', async () => {
  expect((await shardGroupsOf({ text: 'SELECT count(*) FROM sends', values: [] })).size).toBeGreaterThan(1);
});

it("runs every statement of an organisation's GraphQL work on one shard", async () => {
  const orgId = uniqueOrg('one-shard');
  const admin = await tokenFor(orgId, 'admin-1', 'admin');
  const partner = await tokenFor(orgId, 'sender-1', 'partner');
  const range = { preset: 'ALL_TIME' as const };
  const sent = await statementsOf(async () => {
    const email = await sendTrackedEmail(t, orgId, { campaignId: 'spring', campaignName: 'Spring', templateId: 'welcome', templateName: 'Welcome' });
    const { sendId } = email;
    expect((await openPixel(t, email)).status).toBe(200);
    expect((await followLink(t, email)).status).toBe(302);
    await t.app.recorder.flush();
    const webhook = await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('delivered', { orgId, sendId })));
    expect(webhook.status).toBe(200);
    for (const token of [admin, partner]) {
      await gql(t.url, OverviewDocument, { range }, token);
      await gql(t.url, OverviewBreakdownDocument, { by: 'RECIPIENT_DOMAIN', range: { preset: 'LAST_90_DAYS' } }, token);
      await gql(t.url, CampaignsFullDocument, { range }, token);
      await gql(t.url, TemplatesFullDocument, { range }, token);
      await gql(t.url, CampaignDrillDownDocument, { id: 'spring', range, limit: 10 }, token);
      await gql(t.url, CampaignRecipientsDocument, { id: 'spring', range, limit: 10 }, token);
      await gql(t.url, TimelineDocument, { range: { preset: 'LAST_30_DAYS' }, granularity: 'DAY' }, token);
      await gql(t.url, SendDocument, { id: sendId }, token);
    }
    await gql(t.url, ContactDocument, { id: email.contactId }, admin);
    await gql(t.url, SetContactTrackingConsentDocument, { contactId: email.contactId, consent: false }, admin);
    await gql(t.url, ForgetContactDocument, { contactId: email.contactId }, admin);
    await gql(t.url, ContactPrivacyActionsDocument, { contactId: email.contactId }, admin);
    await gql(t.url, SetMailgunSigningKeyDocument, { key: 'key-0123456789abcdef0123456789abcdef' }, admin);
    await gql(t.url, EmailSettingsDocument, {}, admin);
  });
  const planned = sent.filter(
    (statement) => PLANNED.test(statement.text) && OURS.test(statement.text) && !EVERY_SHARD_BY_DESIGN.some((known) => known.test(statement.text.replace(/\s+/g, ' '))),
  );
  expect(planned.length).toBeGreaterThan(20);
  const spread: string[] = [];
  const touched = new Set<string>();
  for (const statement of planned) {
    const groups = await shardGroupsOf(statement);
    for (const group of groups) touched.add(group);
    if (groups.size > 1) spread.push(`${groups.size} shard groups: ${statement.text.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
  expect(spread).toEqual([]);
  expect(touched.size).toBe(1);
});
