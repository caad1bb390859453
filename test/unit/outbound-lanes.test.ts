// What the dispatcher holds per endpoint (endpoint-lanes.ts): claims ahead
// bounded per endpoint, sends bounded per endpoint and per turn, drained
// endpoints left to the next look at what is due, stale claims never sent;
// and when it counts the process as busy answering (serving-pressure.ts).
import type { ClaimedDelivery } from '../../src/outbound/delivery-claims';
import { EndpointLanes } from '../../src/outbound/endpoint-lanes';
import { ServingPressure } from '../../src/outbound/serving-pressure';

let next = 0;
const delivery = (orgId: string, endpointId: string): ClaimedDelivery => ({
  org_id: orgId,
  id: `d-${next++}`,
  endpoint_id: endpointId,
  message_id: 'm',
  payload: '{}',
  attempts: 0,
  retry_from: new Date(0),
  lease_id: 'lease',
  url: 'http://127.0.0.1/',
  secret_enc: Buffer.alloc(0),
  previous_secret_enc: null,
  previous_secret_until: null,
});
const many = (n: number, orgId: string, endpointId: string) => Array.from({ length: n }, () => delivery(orgId, endpointId));

describe('endpoint lanes', () => {
  it('offers each due endpoint room up to what it may hold, grouped by organisation', () => {
    const lanes = new EndpointLanes();
    lanes.due([{ org_id: 'o1', id: 'a' }, { org_id: 'o1', id: 'b' }, { org_id: 'o2', id: 'c' }]);
    lanes.claimed(new Map([['a', 10]]), many(10, 'o1', 'a'), 0);
    expect(lanes.rooms(10)).toEqual(new Map([['o1', new Map([['b', 10]])], ['o2', new Map([['c', 10]])]]));
    expect(lanes.rooms(15).get('o1')).toEqual(new Map([['a', 5], ['b', 15]]));
  });

  it('sends each endpoint up to its bound, at most the budget per turn, oldest claim first', () => {
    const lanes = new EndpointLanes();
    lanes.due([{ org_id: 'o', id: 'a' }, { org_id: 'o', id: 'b' }]);
    const a = many(5, 'o', 'a');
    lanes.claimed(new Map([['a', 5], ['b', 5]]), [...a, ...many(5, 'o', 'b')], 0);
    const first = lanes.take(3, 4, -1);
    expect(first.map((d) => d.id)).toEqual([a[0].id, a[1].id, a[2].id, expect.any(String)]);
    expect(first[3].endpoint_id).toBe('b');
    expect(lanes.take(3, 100, -1).map((d) => d.endpoint_id)).toEqual(['b', 'b']);
    expect(lanes.startable(3)).toBe(false);
    // One of a's attempts ends: a slot, and a is not drained: worth a claim below 5 queued.
    expect(lanes.finished('a', 5)).toBe(true);
    expect(lanes.take(3, 100, -1).map((d) => d.id)).toEqual([a[3].id]);
    expect(lanes.queued).toBe(1 + 2);
  });

  it('leaves an endpoint given fewer than asked to the next look at what is due', () => {
    const lanes = new EndpointLanes();
    lanes.due([{ org_id: 'o', id: 'a' }]);
    lanes.claimed(new Map([['a', 5]]), many(2, 'o', 'a'), 0);
    expect(lanes.rooms(10).size).toBe(0);
    expect(lanes.take(5, 10, -1)).toHaveLength(2);
    expect(lanes.finished('a', 5)).toBe(false);
    lanes.due([{ org_id: 'o', id: 'a' }]);
    expect(lanes.rooms(10).get('o')).toEqual(new Map([['a', 9]]));
  });

  it('never sends a delivery whose lease may end during the attempt', () => {
    const lanes = new EndpointLanes();
    lanes.due([{ org_id: 'o', id: 'a' }]);
    lanes.claimed(new Map([['a', 2]]), many(2, 'o', 'a'), 1_000);
    lanes.claimed(new Map([['a', 2]]), many(1, 'o', 'a'), 5_000);
    expect(lanes.take(10, 10, 2_000)).toHaveLength(1);
    expect(lanes.queued).toBe(0);
  });

  it('drops what a disabled endpoint has queued, and hands every queued delivery back at shutdown', () => {
    const lanes = new EndpointLanes();
    lanes.due([{ org_id: 'o', id: 'a' }, { org_id: 'o', id: 'b' }]);
    lanes.claimed(new Map([['a', 4], ['b', 4]]), [...many(4, 'o', 'a'), ...many(4, 'o', 'b')], 0);
    lanes.take(1, 10, -1);
    lanes.drop('a');
    expect(lanes.rooms(10).get('o')).toEqual(new Map([['b', 6]]));
    const back = lanes.takeQueued();
    expect(back.map((d) => d.endpoint_id)).toEqual(['b', 'b', 'b']);
    expect(lanes.queued).toBe(0);
    expect(lanes.rooms(10).size).toBe(0);
  });
});

describe('serving pressure', () => {
  const spin = (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until);
  };
  const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('is busy only when the loop was busy and requests were answered in the window', async () => {
    let answered = 0;
    const pressure = new ServingPressure(() => answered, { busyUtilisation: 0.8, windowMs: 50 });
    spin(120);
    expect(pressure.isBusy()).toBe(false); // busy, but by itself: nothing answered
    answered += 100;
    spin(120);
    expect(pressure.isBusy()).toBe(true);
    // Within the window the verdict holds without sampling again.
    expect(pressure.isBusy()).toBe(true);
    answered += 100;
    await idle(150);
    expect(pressure.isBusy()).toBe(false); // requests, but an idle loop
  });
});
