// DataLoaders, created per request for one viewer: a batch function returns one
// value per key, in key order. Loaders scope their SQL by the viewer themselves.
import type { App } from '../app';
import type { Viewer } from '../auth/viewer';

// Later features add their loaders here; the object is created fresh per request.
export type Loaders = Record<string, never>;

export function createLoaders(_app: App, _viewer: Viewer | null): Loaders {
  return {};
}
