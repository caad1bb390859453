// The journal alone, on a real directory: records kept in memory, spilled to
// be read back from the file when memory is short, over many segments,
// come out once each, in order, whatever the writer takes at a time.
import { readdirSync } from 'node:fs';
import type { PendingEvent } from '../../src/events/event';
import { Journal, defaultJournalOptions } from '../../src/events/journal/journal';
import { createLogger } from '../../src/logger';
import { freshSpoolRoot } from '../support/spool';

function eventNo(n: number): PendingEvent {
  return {
    orgId: 'journal-test', sendId: '00000000-0000-4000-8000-000000000001', kind: n % 2 ? 'CLICK' : 'OPEN', source: n % 2 ? 'REDIRECT' : 'PIXEL',
    at: 1_767_225_600_000 + n, countable: true, bot: false, botReason: null, mpp: false, linkPosition: n % 2 ? n % 7 : null,
    url: n % 2 ? `https://example.com/${'x'.repeat(n % 50)}` : null, userAgent: `agent ${n}`, ipHashHex: n.toString(16).padStart(32, '0'),
    id: `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`,
  };
}

it.each([
  ['all in memory', 1 << 20],
  ['memory short: spilled and read back from the files', 3_000],
  ['nothing in memory', 0],
])('hands out every event once, in order: %s', (_, maxMemoryBytes) => {
  const root = freshSpoolRoot();
  const journal = Journal.open({ ...defaultJournalOptions, root, maxBytes: 1 << 30, segmentBytes: 9_000, maxMemoryBytes }, createLogger('silent'), () => undefined);
  const out: string[] = [];
  let n = 0;
  for (let round = 0; round < 60; round++) {
    for (let i = 0; i < 1 + (round % 13); i++) journal.append(eventNo(n++));
    journal.flush();
    // The writer takes a few, sometimes none, sometimes more than there is.
    for (let take = 0; take < round % 3; take++) {
      const batch = journal.takeBatch(1 + ((round * 7) % 11));
      if (!batch) break;
      out.push(...batch.events.map((event) => event.id as string));
      journal.ack(batch);
    }
  }
  for (let batch = journal.takeBatch(5); batch; batch = journal.takeBatch(5)) {
    out.push(...batch.events.map((event) => event.id as string));
    journal.ack(batch);
  }
  expect(out).toEqual(Array.from({ length: n }, (_, i) => eventNo(i).id));
  expect(journal.waiting).toBe(0);
  expect(journal.counters.skippedBytes).toBe(0);
  expect(journal.close()).toBe(0);
  expect(readdirSync(root)).toEqual([]);
});
