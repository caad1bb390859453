// DataLoaders, created per request for one viewer: a batch function returns one
// value per key, in key order. Loaders scope their SQL by the viewer themselves.
// Each feature contributes its group of loaders here.
import type { App } from '../app';
import type { Viewer } from '../auth/viewer';
import { createContactLoaders, type ContactLoaders } from './loaders/contact-loaders';
import { createSendLoaders, type SendLoaders } from './loaders/send-loaders';
import { StatsService } from '../stats/stats.service';

export type Loaders = SendLoaders & ContactLoaders & { stats: StatsService };

export function createLoaders(app: App, viewer: Viewer | null): Loaders {
  return { ...createSendLoaders(app, viewer), ...createContactLoaders(app, viewer), stats: new StatsService(app, viewer) };
}
