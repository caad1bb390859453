// Whether this process is busy answering requests (the pixel, the redirect,
// webhook ingestion, the API): its event loop was busier than a threshold
// over the last window AND requests were answered in that window. The
// dispatcher shares the loop with those answers and must never slow them:
// while this says busy, it delivers at a trickle (dispatcher.ts). The
// dispatcher's own work alone is never pressure: a loop kept busy by
// deliveries while nobody asks anything is simply delivering.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface PressureOptions {
  /** loop utilisation above which the loop counts as busy (the recorder waits above the same) */
  busyUtilisation: number;
  /** the loop is sampled at most this often; between samples the last verdict holds */
  windowMs: number;
}

export const defaultPressureOptions: PressureOptions = { busyUtilisation: 0.8, windowMs: 100 };

export class ServingPressure {
  private loop: EventLoopUtilization = performance.eventLoopUtilization();
  private answered: number;
  private sampledAt = performance.now();
  private busy = false;

  constructor(
    /** how many requests the process has answered so far (a counter that only grows) */
    private readonly requestsAnswered: () => number,
    private readonly options: PressureOptions = defaultPressureOptions,
  ) {
    this.answered = requestsAnswered();
  }

  /** Cheap enough to ask before every step: the loop is sampled once per window. */
  isBusy(): boolean {
    const now = performance.now();
    if (now - this.sampledAt < this.options.windowMs) return this.busy;
    const loop = performance.eventLoopUtilization();
    const answered = this.requestsAnswered();
    this.busy = answered > this.answered && performance.eventLoopUtilization(loop, this.loop).utilization > this.options.busyUtilisation;
    this.loop = loop;
    this.answered = answered;
    this.sampledAt = now;
    return this.busy;
  }
}

/** For processes that answer no requests (and tests of the dispatcher alone): never busy. */
export const noPressure: Pick<ServingPressure, 'isBusy'> = { isBusy: () => false };
