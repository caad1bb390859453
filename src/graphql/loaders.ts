// DataLoaders, created per request for one viewer: a batch function returns one
// value per key, in key order. Loaders scope their SQL by the viewer themselves.
// Each feature contributes its group of loaders here.
import type { App } from '../app';
import type { Viewer } from '../auth/viewer';
import { createSendLoaders, type SendLoaders } from './loaders/send-loaders';

export type Loaders = SendLoaders;

export function createLoaders(app: App, viewer: Viewer | null): Loaders {
  return { ...createSendLoaders(app, viewer) };
}
