// The breakdowns' share of a batch's counter moves, computed in the writer
// from the sends it locked and their client rows read before the upsert: each
// group moves by its figures after the batch minus before, exactly as the raw
// aggregate over the counters would (checked against that aggregate on
// random counters below).
import {
  clientBreakdownDeltas, counterBreakdownDeltas,
  type BreakdownDelta, type BreakdownSend, type ClientCounterMove, type Counters, type ProviderSend,
} from '../../src/rollups/breakdown-moves';

const DAY = 86_400_000;
// A minute before midnight UTC: the row's day is the send's UTC date.
const SENT = Date.UTC(2026, 10, 3, 23, 59);
const SENT_DAY = Math.floor(SENT / DAY);

const send = (counters: Partial<Counters> = {}, overrides: Partial<ProviderSend> = {}): ProviderSend => ({
  sentAt: SENT, senderId: 'sender', tracked: true, opens: 0, clicks: 0, mppOpens: 0, provider: 'GMAIL', domain: 'gmail.com',
  ...counters, ...overrides,
});
const move = (sendId: string, opens: number, clicks = 0, mppOpens = 0) => ({ sendId, opens, clicks, mppOpens });
const clientRow = (sendId: string, client: string, device: string, opens: number, clicks = 0, mppOpens = 0): ClientCounterMove => ({
  sendId, client, device, opens, clicks, mppOpens,
});
const row = (dimension: BreakdownDelta['dimension'], key: string, figures: Partial<BreakdownDelta>): BreakdownDelta => ({
  day: SENT_DAY, senderId: 'sender', dimension, key, sends: 0, opened: 0, clicked: 0, humanOpened: 0, opens: 0, clicks: 0, mppOpens: 0, ...figures,
});

describe('counterBreakdownDeltas', () => {
  it("moves a send's provider and domain rows by its figures after minus before, on its UTC send day", () => {
    const sends = new Map([['a', send()], ['b', send({ opens: 3, mppOpens: 3 })]]);
    expect(counterBreakdownDeltas([move('a', 1, 0, 1), move('b', 1)], sends)).toEqual([
      row('MAILBOX_PROVIDER', 'GMAIL', { opened: 1, humanOpened: 1, opens: 2, mppOpens: 1 }),
      row('RECIPIENT_DOMAIN', 'gmail.com', { opened: 1, humanOpened: 1, opens: 2, mppOpens: 1 }),
    ]);
  });

  it('takes a send out of opened and clicked when its last counted events are taken back', () => {
    const sends = new Map([['a', send({ opens: 1, clicks: 1 }, { domain: '' })]]);
    expect(counterBreakdownDeltas([move('a', -1, -1)], sends)).toEqual([
      row('MAILBOX_PROVIDER', 'GMAIL', { opened: -1, clicked: -1, humanOpened: -1, opens: -1, clicks: -1 }),
      row('RECIPIENT_DOMAIN', '', { opened: -1, clicked: -1, humanOpened: -1, opens: -1, clicks: -1 }),
    ]);
  });

  it('skips untracked and unknown sends, and moves that change nothing', () => {
    const sends = new Map([['a', send({}, { tracked: false })], ['b', send()]]);
    expect(counterBreakdownDeltas([move('a', 1), move('missing', 1), move('b', 0)], sends)).toEqual([]);
  });
});

describe('clientBreakdownDeltas', () => {
  it("counts a send in a client's row over all its devices, and in a device's over all its clients", () => {
    const sends = new Map<string, BreakdownSend>([['a', send({ opens: 2 })]]);
    const prior = [clientRow('a', 'APPLE_MAIL', 'MOBILE', 2)];
    expect(clientBreakdownDeltas([clientRow('a', 'APPLE_MAIL', 'DESKTOP', 0, 1)], prior, sends)).toEqual([
      row('EMAIL_CLIENT', 'APPLE_MAIL', { clicked: 1, clicks: 1 }),
      row('DEVICE', 'DESKTOP', { sends: 1, clicked: 1, humanOpened: 1, clicks: 1 }),
    ]);
  });

  it('leaves a row when its last counted event there is taken back, and an MPP open alone is no human open', () => {
    const sends = new Map<string, BreakdownSend>([['a', send({ opens: 2, mppOpens: 1 })]]);
    const prior = [clientRow('a', 'GMAIL_APP', 'MOBILE', 1), clientRow('a', 'APPLE_MPP', 'PROXY', 1, 0, 1)];
    expect(clientBreakdownDeltas([clientRow('a', 'GMAIL_APP', 'MOBILE', -1), clientRow('a', 'APPLE_MPP', 'PROXY', 1, 0, 1)], prior, sends)).toEqual([
      row('EMAIL_CLIENT', 'GMAIL_APP', { sends: -1, opened: -1, humanOpened: -1, opens: -1 }),
      row('DEVICE', 'MOBILE', { sends: -1, opened: -1, humanOpened: -1, opens: -1 }),
      row('EMAIL_CLIENT', 'APPLE_MPP', { opens: 1, mppOpens: 1 }),
      row('DEVICE', 'PROXY', { opens: 1, mppOpens: 1 }),
    ]);
  });

  it('skips untracked sends', () => {
    const sends = new Map<string, BreakdownSend>([['a', send({}, { tracked: false })]]);
    expect(clientBreakdownDeltas([clientRow('a', 'APPLE_MAIL', 'MOBILE', 1)], [], sends)).toEqual([]);
  });

  // The raw breakdown of client rows, as src/stats/breakdown.repository.ts reads it: per send and key, over the key's rows.
  function rawFigures(rows: readonly ClientCounterMove[]): Map<string, number[]> {
    const perSend = new Map<string, Counters>();
    for (const r of rows) {
      for (const id of [`${r.sendId}|EMAIL_CLIENT|${r.client}`, `${r.sendId}|DEVICE|${r.device}`]) {
        const sum = perSend.get(id) ?? { opens: 0, clicks: 0, mppOpens: 0 };
        perSend.set(id, { opens: sum.opens + r.opens, clicks: sum.clicks + r.clicks, mppOpens: sum.mppOpens + r.mppOpens });
      }
    }
    const groups = new Map<string, number[]>();
    for (const [id, c] of perSend) {
      if (c.opens + c.clicks === 0) continue;
      const key = id.slice(id.indexOf('|') + 1);
      const figures = groups.get(key) ?? [0, 0, 0, 0, 0, 0, 0];
      [1, c.opens > 0 ? 1 : 0, c.clicks > 0 ? 1 : 0, c.opens > c.mppOpens || c.clicks > 0 ? 1 : 0, c.opens, c.clicks, c.mppOpens].forEach(
        (value, index) => (figures[index] += value),
      );
      groups.set(key, figures);
    }
    return groups;
  }

  it('equals the raw aggregate after minus before, on random counters', () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const clients = [['APPLE_MAIL', 'MOBILE'], ['APPLE_MAIL', 'DESKTOP'], ['APPLE_MPP', 'PROXY'], ['OUTLOOK', 'DESKTOP']];
    // Valid counters of one row: MPP opens are some of its opens.
    const counters = (sendId: string, client: string, device: string) => {
      const opens = random(3);
      return clientRow(sendId, client, device, opens, random(2), random(opens + 1));
    };
    for (let round = 0; round < 300; round++) {
      const before = new Map<string, ClientCounterMove>();
      const after = new Map<string, ClientCounterMove>();
      const moves: ClientCounterMove[] = [];
      for (const sendId of ['a', 'b', 'c']) {
        for (const [client, device] of clients) {
          const id = `${sendId} ${client} ${device}`;
          if (random(2)) before.set(id, counters(sendId, client, device));
          const was = before.get(id) ?? clientRow(sendId, client, device, 0);
          const now = random(3) > 0 ? counters(sendId, client, device) : was;
          after.set(id, now);
          const moved = clientRow(sendId, client, device, now.opens - was.opens, now.clicks - was.clicks, now.mppOpens - was.mppOpens);
          if (moved.opens !== 0 || moved.clicks !== 0 || moved.mppOpens !== 0) moves.push(moved);
        }
      }
      const sends = new Map<string, BreakdownSend>(['a', 'b', 'c'].map((id) => [id, send()]));
      const expected = rawFigures([...before.values()]);
      for (const [key, figures] of rawFigures([...after.values()])) {
        const was = expected.get(key) ?? [0, 0, 0, 0, 0, 0, 0];
        expected.set(key, figures.map((value, index) => value - was[index]));
      }
      for (const [key, figures] of expected) if (!rawFigures([...after.values()]).has(key)) expected.set(key, figures.map((value) => -value));
      const got = new Map<string, number[]>();
      for (const d of clientBreakdownDeltas(moves, [...before.values()], sends)) {
        got.set(`${d.dimension}|${d.key}`, [d.sends, d.opened, d.clicked, d.humanOpened, d.opens, d.clicks, d.mppOpens]);
      }
      const nonZero = new Map([...expected].filter(([, figures]) => figures.some((value) => value !== 0)));
      expect(got).toEqual(nonZero);
    }
  });
});
