// What every request handler shares for the life of the process.
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { Logger } from './logger';

export interface App {
  readonly config: Config;
  readonly db: DataSource;
  readonly log: Logger;
}
