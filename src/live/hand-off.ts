// When a stream's reader gets its next event: a little at a time, with the
// event loop turning in between. A batch read from the database reaches its
// streams at once, and a reader taking buffered events from a promise that is
// already resolved never gives the loop back: 2,000 events run through
// graphql-sse, the compiled subscription and the socket writes as one
// synchronous stretch, and a pixel request that arrives meanwhile waits for
// all of it (docs/live.md, "Where the pixel waits"). Here readers go on
// taking buffered events only while the current turn is within its budget,
// and readers that wait are woken in order, a few at the start of a turn and
// then one for each reader that is done, while the budget lasts; the rest
// wait for a later turn, after the loop has polled its sockets. Delivery is as
// fast as before when nothing else runs: only the order of the work changes.
import { performance } from 'node:perf_hooks';
import { Fifo } from './fifo';

export interface HandOffOptions {
  /** how long readers may go on taking buffered events in one turn of the loop */
  budgetMs: number;
  /** readers woken at the start of a turn (each then takes at least one event, whatever the budget); more while the budget lasts */
  wakesPerTurn: number;
}

/** A turn's budget well under the pixel's 20 ms p99, and an event costs tens of microseconds. */
export const defaultHandOffOptions: HandOffOptions = { budgetMs: 4, wakesPerTurn: 8 };

export class HandOff {
  private readonly wakes = new Fifo<() => void>();
  private scheduled = false;
  private turnStarted = -Infinity;

  constructor(private readonly options: HandOffOptions = defaultHandOffOptions) {}

  /** Readers waiting for a turn. */
  get waiting(): number {
    return this.wakes.length;
  }

  /** Whether a reader may take another buffered event now, within this turn's budget. */
  mayGoOn(): boolean {
    return performance.now() - this.turnStarted < this.options.budgetMs;
  }

  /**
   * A reader that has nothing left to take hands its place on: within the
   * turn's budget, the next waiting reader is woken now rather than in a
   * later turn. So a turn serves as many readers as its budget allows, and
   * 1,000 streams with an event or two each are not served 8 per turn.
   */
  passOn(): void {
    if (this.waiting > 0 && this.mayGoOn()) this.wakes.shift()();
  }

  /** Runs `wake` in a later turn of the loop, after those asked for before it. */
  later(wake: () => void): void {
    this.wakes.push(wake);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the loop polls its sockets before it runs.
    setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    this.turnStarted = performance.now();
    const now: (() => void)[] = [];
    while (now.length < this.options.wakesPerTurn && this.wakes.length > 0) now.push(this.wakes.shift());
    for (const wake of now) wake();
    if (this.waiting > 0) this.schedule();
  };
}

/** One per process: the budget is the event loop's, which every stream shares. */
export const sharedHandOff = new HandOff();
