import { createGraphQLEndpoint } from '../../src/http/graphql-handler';
import { ViewerDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql, gqlRaw } from '../support/graphql-client';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('GET /healthz', () => {
  it('answers 200 with the database state', async () => {
    const response = await fetch(`${t.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', db: 'up' });
  });
});

describe('shutdown', () => {
  // Apollo installs SIGINT/SIGTERM handlers outside NODE_ENV=test; racing the
  // server's own shutdown, they left `npm start` hanging on Ctrl-C.
  it('leaves SIGINT and SIGTERM to the process: the GraphQL endpoint adds no handler, whatever NODE_ENV', async () => {
    const nodeEnv = process.env.NODE_ENV;
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    process.env.NODE_ENV = 'development';
    try {
      const endpoint = await createGraphQLEndpoint(t.app);
      expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
      await endpoint.stop();
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
  });
});

describe('routing', () => {
  it('answers 404 for an unknown path and 405 for a known path with the wrong method', async () => {
    expect((await fetch(`${t.url}/nope`)).status).toBe(404);
    expect((await fetch(`${t.url}/healthz`, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('viewer', () => {
  it('returns the claims of a valid token', async () => {
    const org = uniqueOrg();
    const token = await tokenFor(org, 'user-1', 'partner', 'team-7');
    const result = await gql(t.url, ViewerDocument, {}, token);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ viewer: { userId: 'user-1', orgId: org, role: 'partner', team: 'team-7' } });
  });

  it('is UNAUTHENTICATED without a token, with a bad one and with an expired one', async () => {
    const expired = await tokenFor('o', 'u', 'admin', undefined, '-1m');
    for (const token of [undefined, 'not-a-jwt', expired]) {
      const result = await gql(t.url, ViewerDocument, {}, token);
      expect(result.data).toBeNull();
      expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('GraphQL endpoint', () => {
  it('serves introspection without a token so the explorer works', async () => {
    const result = await gqlRaw<{ __schema: { queryType: { name: string } } }>(t.url, '{ __schema { queryType { name } } }');
    expect(result.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('serves the explorer landing page to a browser', async () => {
    const response = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  it('refuses an over-deep query before running it', async () => {
    const token = await tokenFor(uniqueOrg(), 'u', 'admin');
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: viewer { userId }`).join(' ');
    const result = await gqlRaw(t.url, `{ ${aliases} }`, {}, token);
    expect(result.errors?.[0].message).toBe('Query refused: 40 aliases exceed the limit of 30');
    expect(errorCodes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers 400 for a body that is not JSON and 413 for an oversized body', async () => {
    const bad = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' });
    expect(bad.status).toBe(400);
    const huge = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { userId } }', variables: { x: 'y'.repeat(21 * 1024 * 1024) } }),
    });
    expect(huge.status).toBe(413);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('denies fields no rule allows with FORBIDDEN, and never shows stack traces', async () => {
    const result = await gqlRaw(t.url, '{ viewer { userId } nope }', {}, await tokenFor(uniqueOrg(), 'u', 'admin'));
    expect(errorCodes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(result)).not.toMatch(/stacktrace|at .*\.ts:\d+/i);
  });

  it('answers CORS preflight requests for browser portals', async () => {
    const response = await fetch(`${t.url}/graphql`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });
});
