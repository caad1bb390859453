// When the recorder's writing waits for the answers (src/events/write-pacing.ts),
// over sequences of event-loop samples as a burst gives them: it starts to
// wait on one busy sample, a quiet moment inside a burst does not end the
// wait, a whole quiet second does, and nothing waits past maxDeferMs.
import { defaultRecorderOptions } from '../../src/events/recorder';
import { nextBatchSize, nextPacing, WRITING, type LoopSample, type Pacing } from '../../src/events/write-pacing';

const rule = defaultRecorderOptions;
/** A decision's sample: `utilisation` of `ms` (the recorder looks again every 100 ms while it waits). */
const loop = (utilisation: number, ms = 100): LoopSample => ({ activeMs: utilisation * ms, elapsedMs: ms });

/** Feeds the samples in order, the oldest waiting event `ageMs` old at each; the decision after each. */
function decisions(samples: readonly LoopSample[], ageMs: (index: number) => number | null = () => 1_000, start: Pacing = WRITING): boolean[] {
  let pacing = start;
  return samples.map((sample, index) => {
    pacing = nextPacing(pacing, sample, ageMs(index), rule);
    return pacing.deferring;
  });
}

describe('nextPacing', () => {
  it('writes while the loop is not busy', () => {
    expect(decisions([loop(0.1), loop(0.5), loop(0.79)])).toEqual([false, false, false]);
  });

  it('starts to wait on the first busy sample', () => {
    expect(decisions([loop(0.2), loop(0.95)])).toEqual([false, true]);
  });

  it('keeps waiting through a quiet moment inside a burst (the sample that used to tip a burst into writing)', () => {
    const second = [loop(0.95), loop(0.9), loop(0.3), loop(0.92), loop(0.1), loop(0.97), loop(0.9), loop(0.88), loop(0.93), loop(0.9)];
    const burst = [...second, ...second, ...second];
    expect(decisions(burst)).toEqual(burst.map(() => true));
  });

  it('keeps waiting while the loop stays between the two thresholds', () => {
    const load = [loop(0.9), ...Array.from({ length: 30 }, () => loop(0.7))];
    expect(decisions(load).every(Boolean)).toBe(true);
  });

  it('resumes once the loop was quiet over a whole window, not before', () => {
    const quiet = Array.from({ length: 12 }, () => loop(0.05));
    const seen = decisions([loop(0.95), loop(0.9), loop(0.9), ...quiet]);
    const resumed = seen.indexOf(false);
    // one busy sample, two more while waiting, then quiet ones until the window's mean drops below 60 %
    expect(seen.slice(resumed).every((deferring) => !deferring)).toBe(true);
    // at the first decision whose samples while waiting span the 1 s window (their mean is far below 60 % by then)
    expect(resumed).toBe(10);
  });

  it('does not resume on one long quiet sample that spans less than the window', () => {
    expect(decisions([loop(0.95), loop(0, 900)])).toEqual([true, true]);
  });

  it('writes once the oldest waiting event is maxDeferMs old, however busy the loop', () => {
    const busy = Array.from({ length: 5 }, () => loop(1));
    const ages = [1_000, 5_000, 9_999, rule.maxDeferMs, rule.maxDeferMs + 100];
    expect(decisions(busy, (index) => ages[index])).toEqual([true, true, true, false, false]);
  });

  it('starts again from a busy sample after a deferral ended at maxDeferMs', () => {
    const ages = [9_000, 10_000, 2_000];
    expect(decisions([loop(1), loop(1), loop(1)], (index) => ages[index])).toEqual([true, false, true]);
  });

  it('never waits with nothing to write, nor when maxDeferMs is 0', () => {
    expect(decisions([loop(1), loop(1)], () => null)).toEqual([false, false]);
    let pacing = WRITING;
    pacing = nextPacing(pacing, loop(1), 10, { ...rule, maxDeferMs: 0 });
    expect(pacing.deferring).toBe(false);
  });
});

describe('nextBatchSize', () => {
  it('takes small batches while events keep arriving, and the whole batch size once they stop', () => {
    expect(nextBatchSize(rule, 0)).toBe(rule.servingBatchSize);
    expect(nextBatchSize(rule, rule.servingWindowMs - 1)).toBe(rule.servingBatchSize);
    expect(nextBatchSize(rule, rule.servingWindowMs)).toBe(rule.batchSize);
    // No event since the process started (a backlog adopted from the journal): large batches.
    expect(nextBatchSize(rule, Date.now())).toBe(rule.batchSize);
    expect(rule.servingBatchSize).toBeLessThan(rule.batchSize);
  });

  it('never takes more while serving than otherwise', () => {
    expect(nextBatchSize({ ...rule, batchSize: 100 }, 0)).toBe(100);
  });
});
