// What this process holds of each endpoint's deliveries: those claimed and
// not started yet (oldest claim first), and how many are being sent. Both
// are bounded per endpoint, so a receiver that hangs fills only its own
// lane. Claiming ahead (a queue beyond the attempts in flight) keeps a fast
// receiver busy while the next claim is on its way, where claiming only
// free slots left them idle for every claim's round trip. Pure
// bookkeeping: the dispatcher does the claiming and the sending.
import type { ClaimedDelivery } from './delivery-claims';

interface Queued {
  delivery: ClaimedDelivery;
  /** epoch ms, taken before the claim's statement: its lease ends no earlier than leaseMs after */
  claimedAt: number;
}

interface Lane {
  orgId: string;
  queued: Queued[];
  sending: number;
  /** its last claim got fewer than asked: nothing more was due; only a look at what is due claims for it again */
  drained: boolean;
}

export class EndpointLanes {
  private readonly lanes = new Map<string, Lane>();

  /** Endpoints found with due deliveries: each may be claimed for again. */
  due(endpoints: readonly { org_id: string; id: string }[]): void {
    for (const endpoint of endpoints) {
      const lane = this.lanes.get(endpoint.id);
      if (lane) lane.drained = false;
      else this.lanes.set(endpoint.id, { orgId: endpoint.org_id, queued: [], sending: 0, drained: false });
    }
  }

  /** Per organisation, each endpoint that may take more and how many: up to `held` in all here (queued and sending). */
  rooms(held: number): Map<string, Map<string, number>> {
    const byOrg = new Map<string, Map<string, number>>();
    for (const [id, lane] of this.lanes) {
      const room = held - lane.sending - lane.queued.length;
      if (lane.drained || room <= 0) continue;
      const rooms = byOrg.get(lane.orgId) ?? new Map<string, number>();
      byOrg.set(lane.orgId, rooms.set(id, room));
    }
    return byOrg;
  }

  /** A claim's deliveries, queued behind what each endpoint holds; an endpoint given fewer than asked is drained. */
  claimed(asked: ReadonlyMap<string, number>, deliveries: readonly ClaimedDelivery[], claimedAt: number): void {
    const got = new Map<string, number>();
    for (const delivery of deliveries) {
      got.set(delivery.endpoint_id, (got.get(delivery.endpoint_id) ?? 0) + 1);
      let lane = this.lanes.get(delivery.endpoint_id);
      if (!lane) {
        lane = { orgId: delivery.org_id, queued: [], sending: 0, drained: false };
        this.lanes.set(delivery.endpoint_id, lane);
      }
      lane.queued.push({ delivery, claimedAt });
    }
    for (const [id, wanted] of asked) {
      const lane = this.lanes.get(id);
      if (!lane || (got.get(id) ?? 0) >= wanted) continue;
      lane.drained = true;
      this.forgetIfIdle(id, lane);
    }
  }

  /**
   * The deliveries to start now: from each endpoint up to `sending` in
   * flight, at most `budget` in all. One claimed before `staleBefore` is
   * dropped unsent: its lease is about to end, and another instance may
   * claim it then; sending it here too would hand it to two at once.
   */
  take(sending: number, budget: number, staleBefore: number): ClaimedDelivery[] {
    const started: ClaimedDelivery[] = [];
    for (const [id, lane] of this.lanes) {
      while (lane.queued.length > 0 && lane.queued[0].claimedAt < staleBefore) lane.queued.shift();
      while (started.length < budget && lane.sending < sending && lane.queued.length > 0) {
        started.push((lane.queued.shift() as Queued).delivery);
        lane.sending++;
      }
      this.forgetIfIdle(id, lane);
      if (started.length >= budget) break;
    }
    return started;
  }

  /** Whether any endpoint has deliveries queued that `take(sending, ...)` could start now. */
  startable(sending: number): boolean {
    for (const lane of this.lanes.values()) if (lane.queued.length > 0 && lane.sending < sending) return true;
    return false;
  }

  /** An attempt ended; true when its endpoint runs low (fewer than `lowWater` queued) and more may be due. */
  finished(endpointId: string, lowWater: number): boolean {
    const lane = this.lanes.get(endpointId);
    if (!lane) return false;
    lane.sending--;
    this.forgetIfIdle(endpointId, lane);
    return !lane.drained && lane.queued.length < lowWater;
  }

  /** The endpoint is disabled (410): what it has queued is not sent (the leases run out; claims skip it while disabled). */
  drop(endpointId: string): void {
    const lane = this.lanes.get(endpointId);
    if (!lane) return;
    lane.queued = [];
    lane.drained = true;
    this.forgetIfIdle(endpointId, lane);
  }

  /** Takes every queued delivery out (at shutdown, to release them for other instances). */
  takeQueued(): ClaimedDelivery[] {
    const queued: ClaimedDelivery[] = [];
    for (const [id, lane] of this.lanes) {
      queued.push(...lane.queued.map((entry) => entry.delivery));
      lane.queued = [];
      lane.drained = true;
      this.forgetIfIdle(id, lane);
    }
    return queued;
  }

  /** Claimed here and not started, over every endpoint. */
  get queued(): number {
    let total = 0;
    for (const lane of this.lanes.values()) total += lane.queued.length;
    return total;
  }

  private forgetIfIdle(id: string, lane: Lane): void {
    if (lane.drained && lane.sending === 0 && lane.queued.length === 0) this.lanes.delete(id);
  }
}
