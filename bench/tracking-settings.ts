// What the tracking benchmark's traffic and server look like. By default as
// in production: real mail clients' and browsers' user agents, a client
// address per request, the server in production mode, and sends enough that
// each gets a handful of events in a burst, as a campaign's recipients do.
// BENCH_TRACKING_LEGACY=true brings back the settings the benchmark had
// before (50,000 sends, one short synthetic user agent, development mode),
// to compare with numbers taken then. BENCH_TRACKING_SENDS,
// BENCH_TRACKING_USER_AGENTS (real, synthetic) and BENCH_TRACKING_NODE_ENV
// change one setting either way, to tell which one moves a figure.
// docs/journal.md says what each setting changes.
import type { BenchRow } from './table';
import { realUserAgents, SYNTHETIC_USER_AGENT } from './tracking-load';

export interface TrackingSettings {
  legacy: boolean;
  sends: number;
  userAgents: string[];
  /** the server's NODE_ENV */
  nodeEnv: string;
  /** one line for the table: what this run used */
  row: BenchRow;
}

export const REALISTIC_SENDS = 20_000;
const LEGACY_SENDS = 50_000;

function userAgentsOf(choice: string): { userAgents: string[]; described: string } {
  if (choice === 'synthetic') return { userAgents: [SYNTHETIC_USER_AGENT], described: 'one synthetic user agent' };
  if (choice !== 'real') throw new Error('BENCH_TRACKING_USER_AGENTS must be real or synthetic');
  const real = realUserAgents();
  if (real === null) return { userAgents: [SYNTHETIC_USER_AGENT], described: 'one synthetic user agent: ../shared/realworld is absent' };
  return { userAgents: real, described: `${real.length} real user agents (../shared/realworld/user-agents, humans)` };
}

export function trackingSettings(env: NodeJS.ProcessEnv = process.env): TrackingSettings {
  const legacy = env.BENCH_TRACKING_LEGACY === 'true';
  const sends = Number(env.BENCH_TRACKING_SENDS ?? (legacy ? LEGACY_SENDS : REALISTIC_SENDS));
  if (!Number.isInteger(sends) || sends < 1) throw new Error('BENCH_TRACKING_SENDS must be a positive integer');
  const { userAgents, described } = userAgentsOf(env.BENCH_TRACKING_USER_AGENTS ?? (legacy ? 'synthetic' : 'real'));
  const nodeEnv = env.BENCH_TRACKING_NODE_ENV ?? (legacy ? 'development' : 'production');
  return {
    legacy,
    sends,
    userAgents,
    nodeEnv,
    row: {
      name: `tracking settings${legacy ? ' (BENCH_TRACKING_LEGACY)' : ''}`,
      value: `${sends.toLocaleString('en-US')} sends`,
      unit: '',
      goal: `${described}; a client address per request; server NODE_ENV=${nodeEnv}`,
    },
  };
}
