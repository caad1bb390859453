// The journal's bytes: events survive encoding exactly, and the record reader
// tells whole records from torn and damaged ones.
import fc from 'fast-check';
import type { PendingEvent } from '../../src/events/event';
import { decodeEvent, encodeEvent, EventDecodeError, maxEncodedBytes } from '../../src/events/journal/event-codec';
import { frameInPlace, HEADER_BYTES, scanRecords } from '../../src/events/journal/record-framing';

const uuid = fc.uuid();
const plainEvent: fc.Arbitrary<PendingEvent> = fc.record({
  orgId: fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }),
  sendId: uuid,
  kind: fc.constantFrom('OPEN' as const, 'CLICK' as const),
  source: fc.constantFrom('PIXEL' as const, 'REDIRECT' as const),
  at: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  countable: fc.boolean(),
  bot: fc.boolean(),
  botReason: fc.constantFrom(null, 'USER_AGENT' as const, 'NETWORK' as const, 'BURST' as const, 'TRAP' as const, 'MAILGUN' as const),
  mpp: fc.boolean(),
  linkPosition: fc.option(fc.nat({ max: 100_000 })),
  url: fc.option(fc.webUrl({ withQueryParameters: true, withFragments: true })),
  userAgent: fc.option(fc.string({ maxLength: 1024, unit: 'grapheme' })),
  ipHashHex: fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('hex'))),
  id: uuid,
});
// Some with an Android WebView's app (X-Requested-With), the one hint the journal carries.
const event: fc.Arbitrary<PendingEvent> = fc
  .tuple(plainEvent, fc.option(fc.string({ minLength: 1, maxLength: 128, unit: 'grapheme' })))
  .map(([plain, app]) => (app === null ? plain : { ...plain, clientHints: { requestedWith: app } }));

/** An open as the codec wrote it before client hints existed (base64 of its payload). */
const RECORD_BEFORE_HINTS =
  'SAAAADCJgq95QjdkMWY4YTJlLThhNTktNGI4ZS05ZDNjLTBjOGYzZTZkMmIxMTBiOGUwZjRlLTNjMWEtNGQ1ZS05ZjZhLTdiOGM5ZDBlMWYyYQARIjNEVWZ3iJmqu8zd7v8EAAAAYWNtZf////8jAAAATW96aWxsYS81LjAgKExpbnV4OyBBbmRyb2lkIDEzOyB3dik=';
const OPEN_BEFORE_HINTS: PendingEvent = {
  orgId: 'acme', sendId: '0b8e0f4e-3c1a-4d5e-9f6a-7b8c9d0e1f2a', kind: 'OPEN', source: 'PIXEL', at: 1765100000000, countable: true, bot: false,
  botReason: null, mpp: false, linkPosition: null, url: null, userAgent: 'Mozilla/5.0 (Linux; Android 13; wv)',
  ipHashHex: '00112233445566778899aabbccddeeff', id: '7d1f8a2e-8a59-4b8e-9d3c-0c8f3e6d2b11',
};

function framed(events: PendingEvent[]): Buffer {
  const buffer = Buffer.alloc(events.reduce((sum, e) => sum + HEADER_BYTES + maxEncodedBytes(e), 0));
  let used = 0;
  for (const e of events) {
    const end = encodeEvent(e, buffer, used + HEADER_BYTES);
    frameInPlace(buffer, used, end);
    used = end;
  }
  return buffer.subarray(0, used);
}

const decodeAll = (payloads: Buffer[]) => payloads.map(decodeEvent);

describe('event codec', () => {
  it('decodes every event exactly as it was encoded', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 20 }), (events) => {
        const scan = scanRecords(framed(events), 0, Infinity, true);
        expect(scan.skippedBytes).toBe(0);
        expect(decodeAll(scan.payloads)).toEqual(events);
      }),
    );
  });

  it('reads records journaled before client hints existed, and writes a hint-less event byte for byte as before', () => {
    const before = Buffer.from(RECORD_BEFORE_HINTS, 'base64');
    expect(decodeEvent(before)).toEqual(OPEN_BEFORE_HINTS);
    const buffer = Buffer.alloc(maxEncodedBytes(OPEN_BEFORE_HINTS));
    expect(buffer.subarray(0, encodeEvent(OPEN_BEFORE_HINTS, buffer, 0)).equals(before)).toBe(true);
    const withApp = { ...OPEN_BEFORE_HINTS, clientHints: { requestedWith: 'com.samsung.android.email.provider' } };
    const longer = Buffer.alloc(maxEncodedBytes(withApp));
    expect(decodeEvent(longer.subarray(0, encodeEvent(withApp, longer, 0)))).toEqual(withApp);
  });

  it('refuses bytes that are not an event', () => {
    expect(() => decodeEvent(Buffer.from('not an event at all'))).toThrow(EventDecodeError);
    const [whole] = scanRecords(framed([{ ...sample(), userAgent: 'x'.repeat(50) }]), 0, 1, true).payloads;
    expect(() => decodeEvent(whole.subarray(0, whole.length - 10))).toThrow(EventDecodeError);
  });
});

function sample(overrides: Partial<PendingEvent> = {}): PendingEvent {
  return {
    orgId: 'acme', sendId: '00000000-0000-4000-8000-000000000001', kind: 'OPEN', source: 'PIXEL', at: 1_767_225_600_000,
    countable: true, bot: false, botReason: null, mpp: false, linkPosition: null, url: null, userAgent: 'Mozilla/5.0 (X11)',
    ipHashHex: '00112233445566778899aabbccddeeff', id: '00000000-0000-4000-8000-0000000000aa', ...overrides,
  };
}

describe('record framing', () => {
  const events = [sample({ id: '00000000-0000-4000-8000-000000000001' }), sample({ id: '00000000-0000-4000-8000-000000000002' }), sample({ id: '00000000-0000-4000-8000-000000000003' })];
  const bytes = framed(events);
  const recordBytes = bytes.length / 3;

  it('stops before a record cut short, to read it again with what follows', () => {
    const scan = scanRecords(bytes.subarray(0, bytes.length - 5), 0, Infinity, false);
    expect(decodeAll(scan.payloads)).toEqual(events.slice(0, 2));
    expect(scan.next).toBe(2 * recordBytes);
    expect(scan.skippedBytes).toBe(0);
  });

  it('skips a torn last record when nothing follows it', () => {
    for (const cut of [1, 5, 11, 12, 20, recordBytes - 1]) {
      const scan = scanRecords(bytes.subarray(0, 2 * recordBytes + cut), 0, Infinity, true);
      expect(decodeAll(scan.payloads)).toEqual(events.slice(0, 2));
      expect(scan.skippedBytes).toBe(cut);
      expect(scan.next).toBe(2 * recordBytes + cut);
    }
  });

  it('skips a damaged record and finds the next whole one', () => {
    const damaged = Buffer.from(bytes);
    damaged[recordBytes + HEADER_BYTES + 3] ^= 0xff; // a payload byte of the second record
    const scan = scanRecords(damaged, 0, Infinity, true);
    expect(decodeAll(scan.payloads)).toEqual([events[0], events[2]]);
    expect(scan.skippedBytes).toBe(recordBytes);
  });

  it('skips garbage before the first record and a damaged length', () => {
    const garbage = Buffer.concat([Buffer.from('\x00\x01garbage'), bytes]);
    expect(decodeAll(scanRecords(garbage, 0, Infinity, true).payloads)).toEqual(events);
    const badLength = Buffer.from(bytes);
    badLength.writeUInt32LE(0xfffffff0, 4);
    expect(decodeAll(scanRecords(badLength, 0, Infinity, true).payloads)).toEqual(events.slice(1));
  });

  it('reads at most the number of records asked for', () => {
    const scan = scanRecords(bytes, 0, 2, true);
    expect(scan.payloads).toHaveLength(2);
    expect(scan.next).toBe(2 * recordBytes);
  });
});
