// GET /settings: Email Settings (src/pages/settings.html and its modules),
// served like /stats, under the same policy.
import type { App } from '../app';
import type { Router } from '../http/router';
import { registerPage } from './page-files';

export const SETTINGS_PAGE_PATH = '/settings';

export function registerSettingsPageRoutes(router: Router, app: App): void {
  registerPage(router, app, SETTINGS_PAGE_PATH, 'settings.html');
}
