// The requests of the tracking benchmark: autocannon with 50 connections,
// every request from a client address of its own (X-Forwarded-For, the
// target trusting one proxy) and, by default, with the user agent of a real
// mail client or browser, read in place from ../shared/realworld/user-agents
// (the humans' lists), as mail clients fetch pixels and follow links.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { sharedPath } from './shared-dir';

export const CONNECTIONS = 50;
const USER_AGENTS_DIR = sharedPath('realworld/user-agents');
/** The humans' lists: what mail clients and browsers send when a person opens or clicks. */
const HUMAN_LISTS = [
  'humans__browsers-desktop.txt',
  'humans__browsers-mobile.txt',
  'humans__other-mail-clients-and-apps.txt',
  'humans__apple-mail-webkit-no-safari-token.txt',
  'humans__mailgun-observed-client-info.txt',
];
/** The benchmark's user agent before it read real ones: short, and the same on every request. */
export const SYNTHETIC_USER_AGENT = 'Mozilla/5.0 (bench) AppleWebKit';

/** Real user agents, one per line of the lists (comments skipped); null when ../shared is absent. */
export function realUserAgents(): string[] | null {
  if (!existsSync(USER_AGENTS_DIR)) return null;
  const agents = HUMAN_LISTS.flatMap((file) =>
    readFileSync(path.join(USER_AGENTS_DIR, file), 'utf8')
      .split('\n')
      .filter((line) => line.length > 0 && !line.startsWith('#')),
  );
  return agents.length > 0 ? agents : null;
}

export function ipOf(n: number): string {
  return `${10 + ((n >>> 24) % 200)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The machine's CPU time so far, from /proc/stat: all of it, and what the hypervisor gave other guests (steal). */
function cpuTimes(): { total: number; steal: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((sum, value) => sum + value, 0), steal: fields[7] ?? 0 };
}

/** CPU seconds a process has used so far (user and system), from /proc: the server's own cost, whatever else runs. */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks of 1/100 s
  } catch {
    return Number.NaN;
  }
}

export interface Load {
  result: autocannon.Result;
  /** share of the CPU time taken by other guests of the host during the load: the larger, the noisier the numbers */
  stealPercent: number;
}

export interface Traffic {
  /** one path per send, taken round-robin */
  paths: string[];
  /** taken round-robin, shifted so a send does not always come with the same one */
  userAgents: string[];
}

/** Request numbers go on across loads, so no client address repeats within a run. */
let requestNumber = 1;

export async function load(url: string, traffic: Traffic, seconds: number): Promise<Load> {
  const { paths, userAgents } = traffic;
  const before = cpuTimes();
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const i = requestNumber++;
          return {
            ...request,
            path: paths[i % paths.length],
            headers: { ...request.headers, 'user-agent': userAgents[(i * 7) % userAgents.length], 'x-forwarded-for': ipOf(i) },
          };
        },
      },
    ],
  });
  const after = cpuTimes();
  return { result, stealPercent: Math.round((100 * (after.steal - before.steal)) / Math.max(1, after.total - before.total)) };
}

export const answered = (result: autocannon.Result, status: number) =>
  (result.statusCodeStats as Record<string, { count: number }> | undefined)?.[String(status)]?.count ?? 0;
