// npm run bench: every benchmark section, one run on this machine, printed as
// a table next to its goal or baseline. Sections can be picked by name:
// `npm run bench -- graphql`.
import 'reflect-metadata';
import { benchBreakdowns } from './breakdown-bench';
import { benchClassify } from './classify-bench';
import { benchGraphQL } from './graphql-bench';
import { benchInstrument } from './instrument-bench';
import { benchOutbound } from './outbound-bench';
import { benchLive } from './live-bench';
import { benchRetention } from './retention-bench';
import { benchStats } from './stats-bench';
import { benchRedirectFormats } from './redirect-format-bench';
import { printTable, type BenchRow } from './table';
import { benchTokens } from './token-bench';
import { benchTracking } from './tracking-bench';
import { benchWebhooks } from './webhook-bench';
import { benchWriter } from './writer-bench';

type Section = () => Promise<BenchRow[]>;

const sections: Record<string, Section> = {
  tracking: benchTracking,
  'redirect-formats': benchRedirectFormats,
  writer: benchWriter,
  classify: benchClassify,
  tokens: benchTokens,
  graphql: benchGraphQL,
  retention: benchRetention,
  instrument: benchInstrument,
  webhooks: benchWebhooks,
  outbound: benchOutbound,
  stats: benchStats,
  live: benchLive,
  breakdowns: benchBreakdowns,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in sections));
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(sections).join(', ')}`);
  const rows: BenchRow[] = [];
  for (const [name, run] of Object.entries(sections)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    process.stderr.write(`running ${name}...\n`);
    rows.push(...(await run()));
  }
  printTable(rows);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
