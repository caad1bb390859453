// Live activity's pure parts: which stream sees which event, humanOnly, the
// NOTIFY payload, and a stream's bounded queue.
import { isHumanActivity, matchesFilter, type ActivityEvent, type ActivityFilter } from '../../src/live/activity-event';
import { BoundedEventQueue, StreamFellBehindError } from '../../src/live/event-queue';
import { decodeNotice, encodeNotice } from '../../src/live/notify-activity';

const base: ActivityEvent = {
  id: 'e1',
  type: 'OPENED',
  occurredAt: new Date('2025-06-01T12:00:00Z'),
  sendId: 's1',
  senderId: 'rep',
  campaignId: 'spring',
  templateId: null,
  contactId: 'c1',
  email: 'ada@example.com',
  subject: null,
  source: 'PIXEL',
  counted: true,
  bot: false,
  botReason: null,
  mpp: false,
  url: null,
};
const whole: ActivityFilter = { orgId: 'o', senderId: null, campaignId: null, templateId: null, humanOnly: false };

describe('which stream sees an event', () => {
  it('scopes by sender, campaign and template (ad-hoc: no template)', () => {
    expect(matchesFilter(whole, base)).toBe(true);
    expect(matchesFilter({ ...whole, senderId: 'rep' }, base)).toBe(true);
    expect(matchesFilter({ ...whole, senderId: 'other' }, base)).toBe(false);
    expect(matchesFilter({ ...whole, campaignId: 'spring' }, base)).toBe(true);
    expect(matchesFilter({ ...whole, campaignId: 'fall' }, base)).toBe(false);
    expect(matchesFilter({ ...whole, templateId: 'ad-hoc' }, base)).toBe(true);
    expect(matchesFilter({ ...whole, templateId: 'tpl' }, base)).toBe(false);
    expect(matchesFilter({ ...whole, templateId: 'tpl' }, { ...base, templateId: 'tpl' })).toBe(true);
    expect(matchesFilter({ ...whole, templateId: 'ad-hoc' }, { ...base, templateId: 'tpl' })).toBe(false);
  });

  it('keeps people only with humanOnly, and the reclassification of what it showed', () => {
    const human = { ...whole, humanOnly: true };
    expect(matchesFilter(human, base)).toBe(true);
    expect(matchesFilter(human, { ...base, mpp: true })).toBe(false);
    expect(matchesFilter(human, { ...base, counted: false, bot: true, botReason: 'USER_AGENT' })).toBe(false);
    expect(matchesFilter(human, { ...base, counted: false })).toBe(false);
    expect(isHumanActivity({ ...base, type: 'RECLASSIFIED', counted: false, bot: true, botReason: 'BURST' })).toBe(true);
    // An MPP open never reached a humanOnly stream: its reclassification does not either.
    expect(isHumanActivity({ ...base, type: 'RECLASSIFIED', counted: false, bot: true, botReason: 'BURST', mpp: true })).toBe(false);
  });
});

describe('the NOTIFY payload', () => {
  it('carries the organisation and the batch, and nothing else is read as one', () => {
    const notice = { orgId: 'org "x"', batchId: '6f1c1c9e-0000-4000-8000-000000000000' };
    expect(decodeNotice(encodeNotice(notice))).toEqual(notice);
    for (const payload of [undefined, '', 'not json', '{"o":1,"b":"x"}', '[]', '{"o":"x"}']) expect(decodeNotice(payload)).toBeNull();
    expect(Buffer.byteLength(encodeNotice({ orgId: 'o'.repeat(200), batchId: notice.batchId }))).toBeLessThan(8000);
  });
});

describe('a stream queue', () => {
  it('hands events over in order and ends once', async () => {
    const ended: (Error | null)[] = [];
    const queue = new BoundedEventQueue<number>(10, (error) => ended.push(error));
    const first = queue.next();
    expect(queue.push(1)).toBe(true);
    queue.push(2);
    queue.push(3);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    queue.end();
    expect(await queue.next()).toEqual({ value: 3, done: false });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(queue.push(4)).toBe(false);
    await queue.return();
    expect(ended).toEqual([null]);
  });

  it('ends with an error rather than growing past its capacity', async () => {
    const ended: (Error | null)[] = [];
    const queue = new BoundedEventQueue<number>(3, (error) => ended.push(error));
    expect([1, 2, 3, 4].map((n) => queue.push(n))).toEqual([true, true, true, false]);
    expect(ended).toEqual([expect.any(StreamFellBehindError)]);
    await expect(queue.next()).rejects.toThrow('fell more than 3 events behind');
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('wakes a waiting reader when it ends', async () => {
    const queue = new BoundedEventQueue<number>(3, () => undefined);
    const waiting = queue.next();
    queue.end(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
  });
});
