// The per-request GraphQL context: the caller and fresh DataLoaders, never shared between requests.
import type { App } from '../app';
import type { Viewer } from '../auth/viewer';
import { unauthenticated } from '../errors';
import { createLoaders, type Loaders } from './loaders';

export interface Context {
  readonly app: App;
  readonly viewer: Viewer | null;
  /** why a presented token was refused; null when none was presented */
  readonly authProblem: string | null;
  readonly loaders: Loaders;
}

export function createContext(app: App, viewer: Viewer | null, authProblem: string | null): Context {
  return { app, viewer, authProblem, loaders: createLoaders(app, viewer) };
}

/** Shield has already let the request through; this narrows the type and guards against a missed rule. */
export function viewerOf(context: Context): Viewer {
  if (!context.viewer) throw unauthenticated(context.authProblem ?? 'Authentication required');
  return context.viewer;
}
