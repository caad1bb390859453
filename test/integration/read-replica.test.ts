// DATABASE_READ_URL: the stats queries read from the replica's data source;
// everything that writes stays on the primary.
import type { DataSource } from 'typeorm';
import { createApp, type App } from '../../src/app';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { CampaignsDocument, OverviewDocument } from '../generated/graphql';
import { openTestDataSource, testConfig, tokenFor, uniqueOrg } from '../support/app';
import { gql } from '../support/graphql-client';
import { insertSend } from '../support/sends';

function recordQueries(db: DataSource): string[] {
  const seen: string[] = [];
  const logQuery = db.logger.logQuery.bind(db.logger);
  db.logger.logQuery = (query, parameters, runner) => {
    seen.push(query);
    logQuery(query, parameters, runner);
  };
  return seen;
}

let primary: DataSource;
let replica: DataSource;
let app: App;
let server: RunningServer;
beforeAll(async () => {
  [primary, replica] = await Promise.all([openTestDataSource(), openTestDataSource()]);
  app = createApp(testConfig(), primary, createLogger('silent'), { readDb: replica });
  server = await startServer(app, 0, '127.0.0.1');
});
afterAll(async () => {
  await server.close();
  await app.recorder.close();
  await Promise.all([primary.destroy(), replica.destroy()]);
});

it('sends the stats queries to the read data source only', async () => {
  const orgId = uniqueOrg();
  await insertSend(primary, { orgId, campaignId: 'c1' });
  const onPrimary = recordQueries(primary);
  const onReplica = recordQueries(replica);
  const token = await tokenFor(orgId, 'admin-1', 'admin');
  const overview = await gql(server.url, OverviewDocument, { range: { preset: 'ALL_TIME' } }, token);
  const campaigns = await gql(server.url, CampaignsDocument, { range: { preset: 'ALL_TIME' } }, token);
  expect(overview.data?.overview.sends).toBe(1);
  expect(campaigns.data?.campaigns.map((campaign) => campaign.id)).toEqual(['c1']);
  expect(onReplica.filter((sql) => sql.includes('sends')).length).toBeGreaterThan(0);
  // (the compactor, a writer, may run on the primary meanwhile: it reads no stats)
  expect(onPrimary.filter((sql) => /FROM send_stats|FROM sends/i.test(sql))).toEqual([]);
});
