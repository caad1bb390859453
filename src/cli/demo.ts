// npm run demo: fills the database (embedded unless DATABASE_URL) with the
// demo organisation "demo", replacing any earlier run's rows, then prints a
// Stats page link per role with a 12-hour token.
import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { DEMO_DAYS, DEMO_USERS } from '../demo/demo-cast';
import { DEMO_ROLE_PEOPLE, demoAccessLinks } from '../demo/demo-access';
import { DEMO_ORG, seedDemoOrganisation } from '../demo/seed-demo';
import { devSecretsUnlessProduction } from '../dev-secrets';
import { classifierFor } from '../events/classify';
import { IpHasher } from '../events/event';
import { createLogger } from '../logger';
import { fail } from './args';

const count = (value: number) => value.toLocaleString('en-US');
const REASON_NAMES: Record<string, string> = {
  USER_AGENT: 'user agent (bots, named scanners, Gmail\'s image proxy)',
  NETWORK: 'scanner network (Safe Links)',
  TRAP: 'the trap link',
  BURST: 'burst',
};

async function main(): Promise<void> {
  const config = loadConfig(process.env, devSecretsUnlessProduction(process.env));
  const database = await openDatabase(config, createLogger('warn'), { migrate: true, poolSize: 2 });
  let summary;
  try {
    process.stdout.write(`Filling the organisation "${DEMO_ORG}" (its earlier rows are replaced; no other organisation is touched)...\n`);
    summary = await seedDemoOrganisation(database.db, {
      orgId: DEMO_ORG,
      // The running server's own rules, so the demo counts what it would count.
      classifier: classifierFor(config),
      ipHasher: new IpHasher(config.trackingSigningSecret),
    });
  } finally {
    await database.close();
  }

  const out: string[] = [
    `${count(summary.sends)} sends to ${count(summary.contacts)} contacts over ${DEMO_DAYS} days; ${count(summary.events)} pixel and link requests,`,
    `${count(summary.countedEvents)} of them counted; machine requests: ${Object.entries(summary.botEventsByReason)
      .map(([reason, events]) => `${count(events)} by ${REASON_NAMES[reason] ?? reason}`)
      .join(', ')};`,
    `${count(summary.bounced)} contacts bounced, ${count(summary.complained)} complained.`,
    '',
    `With the server running (npm start), open the Stats page as:`,
  ];
  for (const access of await demoAccessLinks(config.publicBaseUrl, DEMO_ORG, config.authJwtSecret, summary.sendsBySender)) {
    const team = access.teamId ? `, ${access.teamId}` : '';
    out.push('', `  ${access.role}: ${access.name} (${access.userId}${team}) sees ${access.sees}`, `  ${access.url}`);
  }
  const others = DEMO_USERS.filter((user) => !DEMO_ROLE_PEOPLE.includes(user));
  out.push(
    '',
    'The same links with /settings instead of /stats open Email Settings (the owner and admins',
    "set the organisation's Mailgun signing key, a partner its team's; the others are refused).",
    'The tokens expire in 12 hours. Everyone else in the demo:',
    ...others.map((user) => `  npm run token -- --org ${DEMO_ORG} --user ${user.id} --role ${user.role}${user.teamId ? ` --team ${user.teamId}` : ''}`),
    '',
  );
  process.stdout.write(out.join('\n'));
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
