// The process's one LISTEN connection: a dedicated client (not one of the
// pool's), on DATABASE_URL, which on Citus is the coordinator where the
// writers' NOTIFYs are sent. It listens only while this instance holds a
// stream: the hub starts it with the first stream and stops it with the
// last. A lost connection is reopened while streams want it (what was
// notified in between is missed: streams are live, not a log).
import { Client, type Notification } from 'pg';
import type { Logger } from '../logger';
import { ACTIVITY_CHANNEL, decodeNotice, type BatchNotice } from './notify-activity';

export interface ListenerOptions {
  /** the connection is closed after this long without a stream (a reload reopens a stream at once) */
  idleCloseMs: number;
  retryMs: number;
  maxRetryMs: number;
}

export const defaultListenerOptions: ListenerOptions = { idleCloseMs: 30_000, retryMs: 500, maxRetryMs: 10_000 };

export class ActivityListener {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private listening = false;
  private wanted = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private commands: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly onNotice: (notice: BatchNotice) => void,
    private readonly options: ListenerOptions = defaultListenerOptions,
  ) {
    this.retryDelay = options.retryMs;
  }

  get isListening(): boolean {
    return this.listening;
  }

  /** Resolves once this process LISTENs: every batch committed from then on is noticed. */
  async start(): Promise<void> {
    this.wanted = true;
    this.clearTimer('idle');
    const client = await this.connection();
    if (!this.listening) await this.command(client, `LISTEN ${ACTIVITY_CHANNEL}`);
    // A stop() meanwhile queued its UNLISTEN after this LISTEN: it wins, unless a start() came after it.
    this.listening = this.wanted;
  }

  /** No stream left: stop listening now, close the connection if none comes back soon. */
  stop(): void {
    this.wanted = false;
    this.clearTimer('retry');
    const client = this.client;
    if (!client) return;
    if (this.listening) {
      this.listening = false;
      this.command(client, `UNLISTEN ${ACTIVITY_CHANNEL}`).catch(() => undefined);
    }
    this.clearTimer('idle');
    this.idleTimer = setTimeout(() => void this.disconnect(), this.options.idleCloseMs);
    this.idleTimer.unref();
  }

  /**
   * LISTEN and UNLISTEN one after the other on the one connection, never
   * two at once (streams open concurrently; pg runs one query at a time).
   */
  private command(client: Client, sql: string): Promise<void> {
    const next = this.commands.then(() => client.query(sql)).then(() => undefined);
    this.commands = next.catch(() => undefined);
    return next;
  }

  /** At shutdown: closes the connection at once. */
  async close(): Promise<void> {
    this.wanted = false;
    this.clearTimer('retry');
    await this.disconnect();
  }

  private clearTimer(which: 'idle' | 'retry'): void {
    const timer = which === 'idle' ? this.idleTimer : this.retryTimer;
    if (timer) clearTimeout(timer);
    if (which === 'idle') this.idleTimer = null;
    else this.retryTimer = null;
  }

  private async disconnect(): Promise<void> {
    this.clearTimer('idle');
    const client = this.client;
    this.client = null;
    this.listening = false;
    if (!client) return;
    // A connection to a database that stopped answering is left to the OS rather than waited for.
    const bound = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref());
    await Promise.race([client.end().catch(() => undefined), bound]);
  }

  private connection(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const client = new Client({ connectionString: this.url, application_name: 'email-tracking-live', keepAlive: true, connectionTimeoutMillis: 5_000 });
    client.on('notification', (message: Notification) => {
      if (message.channel !== ACTIVITY_CHANNEL) return;
      const notice = decodeNotice(message.payload);
      if (notice) this.onNotice(notice);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
    } catch (error) {
      // Its listeners stay: an error it emits later (a connection that was
      // still being made) must not go unhandled; lost() ignores a client that
      // is not the current one.
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.retryDelay = this.options.retryMs;
    return client;
  }

  private lost(client: Client, error: Error | null): void {
    if (this.client !== client) return;
    this.client = null;
    this.listening = false;
    if (!this.wanted) return;
    this.log.warn({ err: error ?? undefined }, 'live activity: the LISTEN connection was lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.clearTimer('retry');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.wanted) return;
      this.start().then(
        () => this.log.info('live activity: listening again'),
        () => {
          this.retryDelay = Math.min(this.retryDelay * 2, this.options.maxRetryMs);
          this.scheduleReconnect();
        },
      );
    }, this.retryDelay);
    this.retryTimer.unref();
  }
}
