// This instance's live streams: who holds one and what each may see, the
// limits, and the fan-out. A NOTIFY for an organisation with a stream here is
// read once (one statement per batch, whatever the number of streams) and
// handed to the streams that see it, found through an index by organisation
// and sender rather than by asking every stream. With no stream open nothing
// runs: no LISTEN, no heartbeat, no read.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { senderScope, type Viewer } from '../auth/viewer';
import { DomainError } from '../errors';
import type { Logger } from '../logger';
import { matchesFilter, type ActivityEvent, type ActivityFilter } from './activity-event';
import { ActivityListener, defaultListenerOptions, type ListenerOptions } from './activity-listener';
import { readBatchActivity } from './activity-reads';
import { BoundedEventQueue, StreamFellBehindError } from './event-queue';
import { forgetStream, pruneBatches, recordStream, refreshStreams, STREAM_TTL_S } from './live-streams';
import type { BatchNotice } from './notify-activity';

export interface HubOptions {
  maxStreams: number;
  maxStreamsPerUser: number;
  /** events a stream may have waiting before it is closed as too slow */
  streamCapacity: number;
  listener: ListenerOptions;
}

export const defaultHubOptions = { streamCapacity: 10_000, listener: defaultListenerOptions };

/** What a stream asks for: the subscription's arguments. */
export interface StreamRequest {
  campaignId: string | null;
  templateId: string | null;
  humanOnly: boolean;
}

interface Stream {
  readonly id: string;
  readonly userId: string;
  readonly filter: ActivityFilter;
  readonly queue: BoundedEventQueue<ActivityEvent>;
}

interface OrgStreams {
  /** owners, admins and services: every send of the organisation */
  readonly all: Set<Stream>;
  /** everyone else, by the sender whose sends they see */
  readonly bySender: Map<string, Set<Stream>>;
}

const streamsOf = (org: OrgStreams): Stream[] => [...org.all, ...[...org.bySender.values()].flatMap((own) => [...own])];

/** Batch reads in flight at once; their events are still handed out in the order the batches were committed. */
const READ_CONCURRENCY = 4;
/** Notices waiting to be read beyond this are dropped (and counted): the database cannot keep up anyway. */
const MAX_PENDING_NOTICES = 10_000;
/** How long a closing server waits for its streams' rows to be deleted. */
const STOP_WAIT_MS = 1_000;

export class ActivityHub {
  readonly instanceId = randomUUID();
  readonly counters = { batchesRead: 0, eventsDelivered: 0, refused: 0, fellBehind: 0, noticesDropped: 0 };
  private readonly orgs = new Map<string, OrgStreams>();
  private readonly listener: ActivityListener;
  private readonly forgetting = new Set<Promise<void>>();
  private pending: BatchNotice[] = [];
  private reading = 0;
  private published: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | null = null;
  private open = 0;
  private attached = 0;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    listenUrl: string,
    private readonly log: Logger,
    private readonly options: HubOptions,
  ) {
    this.listener = new ActivityListener(listenUrl, log, (notice) => this.noticed(notice), options.listener);
  }

  /** Streams held, counting those still being opened (the limits count them). */
  get openStreams(): number {
    return this.open;
  }

  /** Streams that receive events: listening, and in the fan-out. A batch committed from now on reaches them. */
  get attachedStreams(): number {
    return this.attached;
  }

  get isListening(): boolean {
    return this.listener.isListening;
  }

  /** Opens a stream of what `viewer` may see; refused with TOO_MANY_STREAMS over a limit, never by closing another. */
  async subscribe(viewer: Viewer, request: StreamRequest): Promise<AsyncIterableIterator<ActivityEvent>> {
    if (this.stopped) throw new DomainError('UNAVAILABLE', 'This server is shutting down: connect again');
    if (this.open >= this.options.maxStreams) {
      this.counters.refused++;
      throw new DomainError('TOO_MANY_STREAMS', `This server already holds ${this.options.maxStreams} live streams (EMAIL_TRACKING_MAX_STREAMS): try again later`);
    }
    this.open++;
    const id = randomUUID();
    try {
      const record = { orgId: viewer.orgId, streamId: id, userId: viewer.userId, instanceId: this.instanceId };
      if (!(await recordStream(this.db, record, this.options.maxStreamsPerUser))) {
        this.counters.refused++;
        const limit = this.options.maxStreamsPerUser;
        throw new DomainError('TOO_MANY_STREAMS', `You already have ${limit} live streams open (EMAIL_TRACKING_MAX_STREAMS_PER_USER is ${limit}): close one to open another`);
      }
      try {
        await this.listener.start();
      } catch (error) {
        await forgetStream(this.db, viewer.orgId, id).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      this.open--;
      if (this.open === 0) this.idle();
      throw error;
    }
    const filter: ActivityFilter = { orgId: viewer.orgId, senderId: senderScope(viewer), ...request };
    const stream: Stream = { id, userId: viewer.userId, filter, queue: new BoundedEventQueue(this.options.streamCapacity, (error) => this.remove(stream, error)) };
    this.add(stream);
    return stream.queue;
  }

  /** Ends every stream and lets go of the database: the server is closing. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const org of this.orgs.values()) for (const stream of streamsOf(org)) stream.queue.end();
    // Rows a stuck database cannot delete now expire by themselves: shutdown does not wait for them.
    const bound = new Promise<void>((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref());
    await Promise.race([Promise.allSettled([...this.forgetting]), bound]);
    await this.listener.close();
  }

  private add(stream: Stream): void {
    const { orgId, senderId } = stream.filter;
    let org = this.orgs.get(orgId);
    if (!org) this.orgs.set(orgId, (org = { all: new Set(), bySender: new Map() }));
    if (senderId === null) org.all.add(stream);
    else {
      const own = org.bySender.get(senderId) ?? new Set<Stream>();
      own.add(stream);
      org.bySender.set(senderId, own);
    }
    this.attached++;
    this.heartbeat ??= setInterval(() => void this.beat(), (STREAM_TTL_S * 1000) / 3).unref();
  }

  private remove(stream: Stream, error: Error | null): void {
    if (error instanceof StreamFellBehindError) this.counters.fellBehind++;
    this.attached--;
    const { orgId, senderId } = stream.filter;
    const org = this.orgs.get(orgId);
    if (org) {
      if (senderId === null) org.all.delete(stream);
      else {
        const own = org.bySender.get(senderId);
        own?.delete(stream);
        if (own?.size === 0) org.bySender.delete(senderId);
      }
      if (org.all.size === 0 && org.bySender.size === 0) this.orgs.delete(orgId);
    }
    this.open--;
    const lastOfOrg = !this.orgs.has(orgId);
    const forgotten = forgetStream(this.db, orgId, stream.id)
      .then(() => (lastOfOrg ? pruneBatches(this.db, orgId) : undefined))
      .catch((error: unknown) => this.log.warn({ err: error }, 'live activity: could not remove a closed stream (it expires by itself)'))
      .finally(() => this.forgetting.delete(forgotten));
    this.forgetting.add(forgotten);
    if (this.open === 0) this.idle();
  }

  private idle(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.pending = [];
    this.listener.stop();
  }

  /** Keeps this instance's streams alive in live_streams, and clears the batches every listener has read. */
  private async beat(): Promise<void> {
    for (const [orgId, org] of this.orgs) {
      const ids = streamsOf(org).map((stream) => stream.id);
      try {
        await refreshStreams(this.db, orgId, ids);
        await pruneBatches(this.db, orgId);
      } catch (error) {
        this.log.warn({ err: error }, 'live activity: heartbeat failed');
      }
    }
  }

  private noticed(notice: BatchNotice): void {
    if (!this.orgs.has(notice.orgId)) return;
    if (this.pending.length >= MAX_PENDING_NOTICES) {
      this.pending.shift();
      this.counters.noticesDropped++;
    }
    this.pending.push(notice);
    this.pump();
  }

  private pump(): void {
    while (this.reading < READ_CONCURRENCY && this.pending.length > 0) {
      const notice = this.pending.shift()!;
      this.reading++;
      const read = this.orgs.has(notice.orgId)
        ? readBatchActivity(this.db, notice.orgId, notice.batchId).catch((error: unknown) => {
            this.log.warn({ err: error }, 'live activity: could not read a batch');
            return [];
          })
        : Promise.resolve([]);
      this.published = Promise.all([read, this.published]).then(([events]) => {
        this.reading--;
        this.counters.batchesRead++;
        this.publish(notice.orgId, events);
        this.pump();
      });
    }
  }

  private publish(orgId: string, events: readonly ActivityEvent[]): void {
    const org = this.orgs.get(orgId);
    if (!org) return;
    for (const event of events) {
      for (const stream of org.all) this.deliver(stream, event);
      const own = org.bySender.get(event.senderId);
      if (own) for (const stream of own) this.deliver(stream, event);
    }
  }

  private deliver(stream: Stream, event: ActivityEvent): void {
    if (matchesFilter(stream.filter, event) && stream.queue.push(event)) this.counters.eventsDelivered++;
  }
}
