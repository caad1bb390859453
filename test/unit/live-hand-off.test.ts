// A batch reaches a stream's reader a slice per turn of the event loop, so a
// pixel request waits for one slice, never for the whole batch (hand-off.ts).
// Turns are counted by an immediate that schedules itself: it runs once per
// turn, after the loop has polled its sockets.
import { HandOff } from '../../src/live/hand-off';
import { BoundedEventQueue } from '../../src/live/event-queue';

function countTurns(): { readonly now: number; stop(): void } {
  let turns = 0;
  let timer = setImmediate(function tick() {
    turns++;
    timer = setImmediate(tick);
  });
  return {
    get now() {
      return turns;
    },
    stop: () => clearImmediate(timer),
  };
}

/** Reads the queue to its end; per event, the turn it arrived in. */
async function readTurns(queue: BoundedEventQueue<number>, turns: { readonly now: number }): Promise<{ events: number[]; turns: number[] }> {
  const events: number[] = [];
  const seen: number[] = [];
  for await (const event of queue) {
    events.push(event);
    seen.push(turns.now);
  }
  return { events, turns: seen };
}

const batch = (size: number) => Array.from({ length: size }, (_, index) => index);

describe('the hand-off of a batch to a stream', () => {
  /** A 100-event batch pushed at once to a waiting reader with this budget: what it got and the turns it got them in. */
  async function deliver(budgetMs: number): Promise<{ events: number[]; turns: number[] }> {
    const turns = countTurns();
    const queue = new BoundedEventQueue<number>(1_000, () => undefined, new HandOff({ budgetMs, wakesPerTurn: 8 }));
    const read = readTurns(queue, turns);
    for (const event of batch(100)) queue.push(event);
    queue.end();
    const delivered = await read;
    turns.stop();
    return delivered;
  }

  it('past the budget, hands a batch over one event per turn, the loop turning in between, in order and to its end', async () => {
    const { events, turns } = await deliver(0);
    expect(events).toEqual(batch(100));
    // Every event in a turn of its own.
    expect(new Set(turns).size).toBe(100);
  });

  it('within the budget, a reader takes the whole batch in one turn, as fast as before', async () => {
    const { events, turns } = await deliver(60_000);
    expect(events).toEqual(batch(100));
    expect(new Set(turns).size).toBe(1);
  });

  /** 20 streams waiting on empty queues, as between batches, get an event each: per turn, how many were served. */
  async function wakeTwenty(budgetMs: number): Promise<{ order: number[]; perTurn: number[] }> {
    const turns = countTurns();
    const handOff = new HandOff({ budgetMs, wakesPerTurn: 8 });
    const queues = batch(20).map(() => new BoundedEventQueue<number>(10, () => undefined, handOff));
    const arrived: { stream: number; turn: number }[] = [];
    const readers = queues.map(async (queue, stream) => {
      for await (const _event of queue) arrived.push({ stream, turn: turns.now });
    });
    await new Promise((resolve) => setImmediate(resolve));
    queues.forEach((queue, stream) => queue.push(stream));
    expect(handOff.waiting).toBe(20);
    queues.forEach((queue) => queue.end());
    await Promise.all(readers);
    turns.stop();
    const perTurn = [...arrived.reduce((counts, { turn }) => counts.set(turn, (counts.get(turn) ?? 0) + 1), new Map<number, number>()).values()];
    return { order: arrived.map((arrival) => arrival.stream), perTurn };
  }

  it('past the budget, wakes waiting readers 8 per turn, in the order their events came', async () => {
    expect(await wakeTwenty(0)).toEqual({ order: batch(20), perTurn: [8, 8, 4] });
  });

  it('within the budget, a reader that is done wakes the next one in the same turn: many streams with an event each are served at once', async () => {
    expect(await wakeTwenty(60_000)).toEqual({ order: batch(20), perTurn: [20] });
  });

  it('gives a reader waiting past the budget its events before an error that ended the stream', async () => {
    const queue = new BoundedEventQueue<number>(1_000, () => undefined, new HandOff({ budgetMs: 0, wakesPerTurn: 8 }));
    const events: number[] = [];
    const read = (async () => {
      for await (const event of queue) events.push(event);
    })();
    queue.push(1);
    queue.push(2);
    queue.end(new Error('gone'));
    await expect(read).rejects.toThrow('gone');
    expect(events).toEqual([1, 2]);
  });
});
