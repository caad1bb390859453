// What every request handler shares for the life of the process, built once
// from the configuration and the database.
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { classifierFor, type RequestClassifier } from './events/classify';
import { IpHasher } from './events/event';
import { defaultJournalOptions, type JournalOptions } from './events/journal/journal';
import { EventRecorder, defaultRecorderOptions, type RecorderOptions } from './events/recorder';
import { TokenCodec } from './events/tokens';
import { ActivityHub, defaultHubOptions, type HubOptions } from './live/activity-hub';
import { registerLiveMetrics } from './live/live-metrics';
import type { Logger } from './logger';
import { Metrics } from './metrics';
import { OutboundDispatcher } from './outbound/dispatcher';
import { defaultDispatcherOptions } from './outbound/dispatcher-options';
import { HttpSender } from './outbound/http-sender';
import { registerOutboundMetrics } from './outbound/outbound-metrics';
import { ServingPressure } from './outbound/serving-pressure';
import { SendStatsCompactor } from './stats/compaction';

export interface App {
  readonly config: Config;
  readonly db: DataSource;
  /** where the stats queries read: a replica (DATABASE_READ_URL) or the primary itself */
  readonly readDb: DataSource;
  readonly log: Logger;
  readonly tokens: TokenCodec;
  readonly ipHasher: IpHasher;
  readonly classifier: RequestClassifier;
  readonly recorder: EventRecorder;
  readonly metrics: Metrics;
  /** folds stats deltas into the rollups every few seconds (figures are exact either way; this keeps reads fast) */
  readonly compactor: SendStatsCompactor;
  /** delivers the outbound webhooks (contract section 11) once started: main.ts starts it */
  readonly outbound: OutboundDispatcher;
  /** the live activity streams this instance holds, and their fan-out (contract section 12) */
  readonly live: ActivityHub;
}

export interface AppOptions {
  /** where the stats queries read: a replica; the primary when absent */
  readDb?: DataSource;
  /** tuning, for tests and benchmarks */
  recorder?: Partial<RecorderOptions>;
  journal?: Partial<JournalOptions>;
  /** false only for the tracking benchmark's baseline: the machine rules of contract section 4 off, to measure what they cost */
  machineRules?: boolean;
  /** live activity tuning, for tests and benchmarks */
  live?: Partial<HubOptions>;
}

/** The live listener's own connection goes where the pool does: the primary (on Citus, the coordinator). */
function listenUrl(db: DataSource): string {
  const url = (db.options as { url?: string }).url;
  if (!url) throw new Error('the data source has no url for the live activity listener');
  return url;
}

export function createApp(config: Config, db: DataSource, log: Logger, options: AppOptions = {}): App {
  const readDb = options.readDb ?? db;
  const journal = { ...defaultJournalOptions, root: config.spoolDir, maxBytes: config.spoolMaxBytes, ...options.journal };
  const machineRules = options.machineRules ?? true;
  const recorder = new EventRecorder(db, log, journal, { ...defaultRecorderOptions, machineRules, ...options.recorder });
  const metrics = new Metrics(recorder);
  // Deliveries yield to the requests this process answers (contract section 11: they never slow the pixel).
  const pressure = new ServingPressure(() => metrics.answered);
  const outbound = new OutboundDispatcher(db, new HttpSender(config.webhookAllowPrivate), config.secretsEncryptionKey, log, defaultDispatcherOptions, pressure);
  registerOutboundMetrics(metrics.registry, outbound, db);
  const live = new ActivityHub(db, listenUrl(db), log, {
    ...defaultHubOptions,
    maxStreams: config.maxStreams,
    maxStreamsPerUser: config.maxStreamsPerUser,
    ...options.live,
  });
  registerLiveMetrics(metrics.registry, live);
  return {
    config,
    db,
    readDb,
    log,
    tokens: new TokenCodec(config.trackingSigningSecret),
    ipHasher: new IpHasher(config.trackingSigningSecret),
    classifier: classifierFor(config, machineRules),
    recorder,
    metrics,
    compactor: new SendStatsCompactor(db, log),
    outbound,
    live,
  };
}
