// GET /stats: the Stats tab (src/pages/stats.html and its modules).
import type { App } from '../app';
import type { Router } from '../http/router';
import { registerPage } from './page-files';

export const STATS_PAGE_PATH = '/stats';

export function registerStatsPageRoutes(router: Router, app: App): void {
  registerPage(router, app, STATS_PAGE_PATH, 'stats.html');
}
