// Is the database answering? A short, cached probe for /healthz, so health
// checks never pile up on a database that is slow or down. On Citus the
// database is the coordinator and its workers: one worker down leaves the
// organisations whose shards it holds unwritable, so it counts as down.
import type { DataSource } from 'typeorm';
import { hasCitus, probeCitusWorkers } from './citus';

const PROBE_TIMEOUT_MS = 1000;
const CACHE_MS = 1000;

export type DatabaseState = 'up' | 'down';

export class DatabaseHealth {
  private last: { state: DatabaseState; at: number } | null = null;
  private probing: Promise<DatabaseState> | null = null;

  constructor(private readonly db: DataSource) {}

  async state(): Promise<DatabaseState> {
    if (this.last && Date.now() - this.last.at < CACHE_MS) return this.last.state;
    this.probing ??= this.probe().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  /** whether the database is a Citus coordinator, once known */
  private citus: boolean | null = null;

  private async ask(): Promise<boolean> {
    this.citus ??= await hasCitus(this.db);
    return this.citus ? probeCitusWorkers(this.db, PROBE_TIMEOUT_MS) : (await this.db.query('SELECT 1')).length === 1;
  }

  private async probe(): Promise<DatabaseState> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<DatabaseState>((resolve) => {
      timer = setTimeout(() => resolve('down'), PROBE_TIMEOUT_MS);
    });
    const query = this.ask()
      .then((up): DatabaseState => (up ? 'up' : 'down'))
      .catch((): DatabaseState => 'down');
    const state = await Promise.race([query, timeout]);
    clearTimeout(timer);
    this.last = { state, at: Date.now() };
    return state;
  }
}
