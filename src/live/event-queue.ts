// One stream's queue between the hub, which pushes whole batches at once,
// and the GraphQL subscription, which pulls an event at a time. Bounded: a
// stream that cannot keep up is ended with an error rather than left to grow
// (its client reconnects and reads the latest events again), and never
// silently thinned.
import { DomainError } from '../errors';

export class StreamFellBehindError extends DomainError {
  constructor(capacity: number) {
    super('STREAM_FELL_BEHIND', `The stream fell more than ${capacity} events behind and was closed: reconnect to go on`);
  }
}

export class BoundedEventQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private head = 0;
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private ended = false;

  /** `onEnd` runs once, however the stream ends: the reader returned, end() was called, or the queue overflowed (with its error). */
  constructor(
    private readonly capacity: number,
    private readonly onEnd: (error: Error | null) => void,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Hands an event to the reader; false once the stream has ended (also when this push overflowed it). */
  push(item: T): boolean {
    if (this.ended) return false;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: item, done: false });
      return true;
    }
    if (this.length >= this.capacity) {
      this.fail(new StreamFellBehindError(this.capacity));
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** Ends the stream: the reader gets what is queued, then the end (or `error`). */
  end(error: Error | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.onEnd(error);
    // A reader waits only on an empty queue.
    if (this.waiting) this.settleWaiting();
  }

  private fail(error: Error): void {
    this.items.length = 0;
    this.head = 0;
    this.end(error);
  }

  private settleWaiting(): void {
    const { resolve, reject } = this.waiting!;
    this.waiting = null;
    const failure = this.failure;
    this.failure = null;
    if (failure) reject(failure);
    else resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.length > 0) {
      const value = this.items[this.head++];
      // Compact now and then rather than shift() each time: O(1) per event.
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.head = 0;
    this.failure = null;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
