// One stream's queue between the hub, which pushes whole batches at once,
// and the GraphQL subscription, which pulls an event at a time. Bounded: a
// stream that cannot keep up is ended with an error rather than left to grow
// (its client reconnects and reads the latest events again), and never
// silently thinned. The reader gets its events through the hand-off
// (hand-off.ts): a batch reaches it a few events per turn of the event
// loop, never as one long synchronous stretch.
import { DomainError } from '../errors';
import { Fifo } from './fifo';
import { sharedHandOff, type HandOff } from './hand-off';

export class StreamFellBehindError extends DomainError {
  constructor(capacity: number) {
    super('STREAM_FELL_BEHIND', `The stream fell more than ${capacity} events behind and was closed: reconnect to go on`);
  }
}

export class BoundedEventQueue<T> implements AsyncIterableIterator<T> {
  private readonly items = new Fifo<T>();
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private ended = false;
  /** a wake of the waiting reader is asked of the hand-off */
  private waking = false;

  /** `onEnd` runs once, however the stream ends: the reader returned, end() was called, or the queue overflowed (with its error). */
  constructor(
    private readonly capacity: number,
    private readonly onEnd: (error: Error | null) => void,
    private readonly handOff: HandOff = sharedHandOff,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Hands an event to the reader; false once the stream has ended (also when this push overflowed it). */
  push(item: T): boolean {
    if (this.ended) return false;
    if (this.length >= this.capacity) {
      this.fail(new StreamFellBehindError(this.capacity));
      return false;
    }
    this.items.push(item);
    this.wake();
    return true;
  }

  /** Ends the stream: the reader gets what is queued, then the end (or `error`). */
  end(error: Error | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.onEnd(error);
    // Nothing queued: the end is all a waiting reader has left to hear, now.
    if (this.waiting && this.length === 0) this.settleWaiting();
    else this.wake();
  }

  /** Has the hand-off give a waiting reader what there is, in a later turn of the loop. */
  private wake(): void {
    if (!this.waiting || this.waking) return;
    this.waking = true;
    this.handOff.later(() => {
      this.waking = false;
      if (this.waiting) this.settleWaiting();
    });
  }

  private fail(error: Error): void {
    this.items.clear();
    this.end(error);
  }

  /** The waiting reader gets the next event, or else the end; an open, empty queue keeps it waiting. */
  private settleWaiting(): void {
    const { resolve, reject } = this.waiting!;
    if (this.length > 0) {
      this.waiting = null;
      resolve({ value: this.take(), done: false });
    } else if (this.ended) {
      this.waiting = null;
      const failure = this.failure;
      this.failure = null;
      if (failure) reject(failure);
      else resolve({ value: undefined, done: true });
    }
  }

  private take(): T {
    return this.items.shift();
  }

  next(): Promise<IteratorResult<T>> {
    // Within the turn's budget a reader goes on at once; past it, it waits for a later turn.
    if (this.length > 0 && this.handOff.mayGoOn()) return Promise.resolve({ value: this.take(), done: false });
    // Done for now (or for good): within the budget, the next waiting stream goes on in this turn.
    if (this.length === 0) this.handOff.passOn();
    if (this.length === 0 && this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.length === 0 && this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      if (this.length > 0) this.wake();
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.items.clear();
    this.failure = null;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
