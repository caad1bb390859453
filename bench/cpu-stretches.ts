// The longest synchronous stretches of a CPU profile (`node --cpu-prof`,
// e.g. the live benchmark's server with BENCH_LIVE_CPU_PROFILE=dir): a task
// the event loop ran (a socket's data, a timer, an immediate) with the
// microtasks and garbage collections that followed it, up to an idle sample
// or the next task. That is how long a request arriving at its start waited
// for the loop. Samples do not mark where a task ends: two tasks of the same
// callback back to back (two pixel requests) count as one, so short
// stretches are approximate, long ones are what matters. For each, what it
// ran: the tasks (outermost JavaScript frames) and the functions with the
// most time of their own. Usage:
//   node dist/bench/cpu-stretches.js PROFILE.cpuprofile [how many, 10] [from s] [to s]
// (from and to: seconds since the profile started, to look at one step)
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Stretch {
  startUs: number;
  durationUs: number;
  /** the task it started with */
  first: string;
  /** time of its own per function, µs */
  self: Map<string, number>;
  /** time per outermost JavaScript frame, µs */
  tasks: Map<string, number>;
}

const label = ({ callFrame: frame }: ProfileNode) =>
  `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${frame.lineNumber + 1}`;

/** What runs after a task, as part of it: its promises' callbacks, a collection of its garbage, the engine's own work. */
const CONTINUATIONS = /^(processTicksAndRejections|runMicrotasks|\(garbage collector\)|\(program\)) /;

const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);

const top = (map: Map<string, number>, n: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, us]) => `${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);

export function stretches(profile: Profile): Stretch[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  /** the outermost frame with a script under (root): the callback the loop ran */
  const task = (id: number): string => {
    let outer = byId.get(id)!;
    for (let at = parent.get(id); at !== undefined && parent.get(at) !== undefined; at = parent.get(at)) outer = byId.get(at)!;
    return label(outer);
  };
  const found: Stretch[] = [];
  let current: Stretch | null = null;
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    const node = byId.get(profile.samples[i])!;
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (node.callFrame.functionName === '(idle)') {
      current = null;
      continue;
    }
    const outer = task(node.id);
    if (current && !CONTINUATIONS.test(outer) && outer !== current.first) current = null;
    if (!current) found.push((current = { startUs: time - profile.startTime, durationUs: 0, first: outer, self: new Map(), tasks: new Map() }));
    current.durationUs += us;
    add(current.self, label(node), us);
    add(current.tasks, outer, us);
  }
  return found.sort((a, b) => b.durationUs - a.durationUs);
}

function main(): void {
  const [file, count = '10', from = '0', to = 'Infinity'] = process.argv.slice(2);
  if (!file) throw new Error('usage: node dist/bench/cpu-stretches.js PROFILE.cpuprofile [how many] [from s] [to s]');
  const within = ({ startUs }: Stretch) => startUs >= Number(from) * 1e6 && startUs <= Number(to) * 1e6;
  const all = stretches(JSON.parse(readFileSync(file, 'utf8')) as Profile).filter(within);
  const busyUs = all.reduce((sum, stretch) => sum + stretch.durationUs, 0);
  process.stdout.write(`${all.length} stretches, ${(busyUs / 1e6).toFixed(1)} s busy; the longest:\n`);
  for (const stretch of all.slice(0, Number(count))) {
    process.stdout.write(`\n${(stretch.durationUs / 1000).toFixed(1)} ms at ${(stretch.startUs / 1e6).toFixed(3)} s\n  tasks:\n`);
    process.stdout.write(top(stretch.tasks, 4).map((line) => `    ${line}\n`).join(''));
    process.stdout.write('  own time:\n');
    process.stdout.write(top(stretch.self, 8).map((line) => `    ${line}\n`).join(''));
  }
}

if (require.main === module) main();
