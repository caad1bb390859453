// `node dist/src/main.js` as a user runs it (npm start runs the build first;
// npm test's pretest builds too): configuration errors, start, serve, stop.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { TEST_ENV, tokenFor } from '../support/app';
import { freePort, projectRoot, spawnServer } from '../support/processes';
import { getTestDatabase } from '../support/test-database-state';

const base = { ...TEST_ENV, LOG_LEVEL: 'info' };

describe('the server process', () => {
  it('stops with a message naming the variable when a value is bad', async () => {
    const server = spawnServer({ ...base, PORT: 'abc' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('Configuration error: PORT: expected a whole number, got "abc"');
  });

  it('refuses to start in production without the required secrets', async () => {
    const server = spawnServer({ NODE_ENV: 'production', DATABASE_URL: getTestDatabase().url });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/Configuration error: (TRACKING_SIGNING_SECRET|AUTH_JWT_SECRET|SECRETS_ENCRYPTION_KEY): is required when NODE_ENV=production/);
  });

  it('serves on DATABASE_URL without starting an embedded database, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const server = spawnServer({ ...base, PORT: String(port), DATABASE_URL: getTestDatabase().url });
    await server.waitFor(/listening on/);
    expect(server.output()).toContain('"database":"DATABASE_URL"');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', db: 'up' });
    const token = await tokenFor('acme', 'u1', 'owner');
    const viewer = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { orgId role } }' }),
    });
    expect(await viewer.json()).toEqual({ data: { viewer: { orgId: 'acme', role: 'owner' } } });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
  });

  it('starts the embedded PostgreSQL when DATABASE_URL is unset, and again after a clean stop', async () => {
    const dir = path.join(projectRoot, '.data', `test-main-${process.pid}`, 'pg');
    const env = { ...base, EMBEDDED_PG_DATA_DIR: dir, EMBEDDED_PG_PORT: String(await freePort()) };
    try {
      for (let run = 0; run < 2; run++) {
        const port = await freePort();
        const server = spawnServer({ ...env, PORT: String(port) });
        await server.waitFor(/listening on/, 90_000);
        expect(server.output()).toContain('"database":"embedded"');
        expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok', db: 'up' });
        server.child.kill('SIGINT');
        expect(await server.exited).toBe(0);
      }
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  }, 180_000);
});
