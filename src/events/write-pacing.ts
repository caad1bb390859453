// When the recorder's writing waits for the answers (journal.md, "Answers
// first"), decided before each batch from the event loop's utilisation
// since the previous decision. Pure: the recorder feeds it samples.
//
// One threshold on one short sample made a burst bistable. Writing takes
// its share of the two cores from the load, so while writing runs the loop
// looks less busy and writing goes on; while it waits the loop looks busy
// and it goes on waiting. A single sample that caught an idle moment (the
// load generator descheduled, a pause between connections) tipped a waiting
// burst into the writing regime for the rest of it. So the two directions
// differ: writing starts to wait on one busy sample (a burst is answered
// first from its first moments), and waiting ends only when the loop was
// idle enough over a whole window (resumeWindowMs below resumeUtilisation),
// never on one quiet sample. Either way nothing waits longer than
// maxDeferMs: the bound on how far writing falls behind holds in both.

/** The event loop between two decisions, from performance.eventLoopUtilization. */
export interface LoopSample {
  activeMs: number;
  elapsedMs: number;
}

export interface PacingRule {
  /** a sample busier than this makes writing wait */
  busyUtilisation: number;
  /** waiting ends once the loop was less busy than this over resumeWindowMs */
  resumeUtilisation: number;
  resumeWindowMs: number;
  /** how far behind writing may fall (0: never wait) */
  maxDeferMs: number;
}

export interface Pacing {
  deferring: boolean;
  /** while deferring: the samples since it began, trimmed to the latest resumeWindowMs */
  waited: readonly LoopSample[];
}

export const WRITING: Pacing = { deferring: false, waited: [] };

function utilisation(samples: readonly LoopSample[]): number {
  let active = 0;
  let elapsed = 0;
  for (const sample of samples) {
    active += sample.activeMs;
    elapsed += sample.elapsedMs;
  }
  return elapsed > 0 ? active / elapsed : 0;
}

/** The latest samples that still cover windowMs (the oldest one kept may reach further back). */
function latest(samples: readonly LoopSample[], windowMs: number): LoopSample[] {
  let covered = 0;
  let first = samples.length;
  while (first > 0 && covered < windowMs) covered += samples[--first].elapsedMs;
  return samples.slice(first);
}

const spans = (samples: readonly LoopSample[], windowMs: number) => samples.reduce((sum, sample) => sum + sample.elapsedMs, 0) >= windowMs;

/**
 * The pacing after one more sample. `oldestAgeMs`: how long the oldest
 * event waiting to be written has waited (null: none waits).
 */
export function nextPacing(pacing: Pacing, sample: LoopSample, oldestAgeMs: number | null, rule: PacingRule): Pacing {
  if (rule.maxDeferMs <= 0 || oldestAgeMs === null || oldestAgeMs >= rule.maxDeferMs) return WRITING;
  if (!pacing.deferring) return utilisation([sample]) > rule.busyUtilisation ? { deferring: true, waited: [] } : WRITING;
  const waited = latest([...pacing.waited, sample], rule.resumeWindowMs);
  const quiet = spans(waited, rule.resumeWindowMs) && utilisation(waited) < rule.resumeUtilisation;
  return quiet ? WRITING : { deferring: true, waited };
}

export interface BatchSizing {
  /** events taken at once with nobody asking: large transactions drain fastest */
  batchSize: number;
  /** events taken at once while events arrive (requests being answered) */
  servingBatchSize: number;
  /** an event recorded this recently means requests are being answered */
  servingWindowMs: number;
}

/**
 * How many events the next batch takes. A transaction's Node work (deciding,
 * the figures' deltas) runs between its statements without giving the loop
 * back, and grows with its events: 2,000 of them held answers back for tens
 * of milliseconds (live.md, "Where the pixel waits"). While events keep
 * arriving, batches stay small so no stretch is long; a backlog written
 * with nobody asking (after a load, after an outage) goes in large ones.
 */
export function nextBatchSize(sizing: BatchSizing, sinceLastRecordMs: number): number {
  return sinceLastRecordMs < sizing.servingWindowMs ? Math.min(sizing.servingBatchSize, sizing.batchSize) : sizing.batchSize;
}
