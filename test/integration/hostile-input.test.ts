// Hostile and malformed input: each gets a quick, clear 4xx or GraphQL error,
// and the server stays healthy.
import { connect } from 'node:net';
import { SignJWT, UnsecuredJWT } from 'jose';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { TEST_ENV, openTestDataSource, startTestApp, testConfig, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gqlRaw } from '../support/graphql-client';
import { WEBHOOK_PATH } from '../support/mailgun';
import { insertSend } from '../support/sends';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** Sends raw bytes and resolves with what the server wrote back before closing (or after `waitMs`). */
function rawRequest(url: string, bytes: Buffer, waitMs = 2000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

async function expectHealthy(url: string): Promise<void> {
  const response = await fetch(`${url}/healthz`);
  expect(response.status).toBe(200);
}

describe('paths', () => {
  it('answers %00, traversal and unknown paths with 404, never a redirect', async () => {
    // raw request lines: a client library would normalise the dot segments away
    for (const path of ['/graphql%00', '/healthz/../metrics', '/track/click/..%2F..%2Fetc%2Fpasswd', '/track/click/%00', '/%2e%2e/%2e%2e/etc/passwd', '/api/v1/webhooks/../../graphql']) {
      const answer = await rawRequest(t.url, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      expect(answer).toMatch(/^HTTP\/1\.1 40[45]/);
      expect(answer.toLowerCase()).not.toContain('location:');
    }
    await expectHealthy(t.url);
  });

  it('survives non-UTF-8 bytes in the request line and in a GraphQL body', async () => {
    const line = await rawRequest(t.url, Buffer.concat([Buffer.from('GET /track/click/'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    expect(line).toMatch(/^HTTP\/1\.1 (400|404)/);
    const body = Buffer.concat([Buffer.from('{"query":"{ viewer { userId } }","variables":{"x":"'), Buffer.from([0xff, 0xc0, 0x80]), Buffer.from('"}}')]);
    const graphql = await rawRequest(
      t.url,
      Buffer.concat([Buffer.from(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]),
    );
    expect(graphql).toMatch(/^HTTP\/1\.1 200/);
    expect(graphql).toContain('UNAUTHENTICATED');
    await expectHealthy(t.url);
  });

  it('answers a 10 KB token quickly on both tracking routes', async () => {
    const token = 'A'.repeat(10 * 1024);
    expect((await fetch(`${t.url}/track/open/${token}.gif`)).status).toBe(200);
    expect((await fetch(`${t.url}/track/click/${token}`, { redirect: 'manual' })).status).toBe(404);
  });
});

describe('bodies', () => {
  it('refuses a 10 MB body that is not JSON with 400 (413 without a token), and one over the limit with 413', async () => {
    const junk = Buffer.alloc(10 * 1024 * 1024, 0x7b);
    const token = await tokenFor(uniqueOrg(), 'u', 'admin');
    const bad = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: junk });
    expect(bad.status).toBe(400);
    const anonymous = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: junk });
    expect(anonymous.status).toBe(413);
    // announced as 64 MiB: refused from the headers, before the body is read
    const huge = await rawRequest(
      t.url,
      Buffer.from(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n{"query":`),
    );
    expect(huge).toMatch(/^HTTP\/1\.1 413/);
    await expectHealthy(t.url);
  });

  it.each([
    ['/graphql without a token', '/graphql', 'over 64 KiB without a valid bearer token'],
    ['the webhook', WEBHOOK_PATH, 'body over 1 MiB'],
  ])('answers an oversize body on %s with 413 and reads the rest, so a client still sending reads the answer, not a reset', async (_, path, message) => {
    const { hostname, port } = new URL(t.url);
    const socket = connect(Number(port), hostname);
    const errors: string[] = [];
    socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      // The refusal arrives while most of the body is still to come: the rest
      // is sent now, and read by the server (closing on unread bytes would
      // reset the connection, and these writes would fail with EPIPE).
      if (answer === '') for (let sent = 1; sent < 4; sent++) socket.write(Buffer.alloc(1024 * 1024, 0x5b));
      answer += chunk.toString('latin1');
    });
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // Connection: close, as Node's http.request without an agent sends: the server closes after its answer.
    socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`);
    socket.write(Buffer.alloc(1024 * 1024, 0x5b));
    await closed;
    expect(errors).toEqual([]);
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain(message);
    await expectHealthy(t.url);
  });

  it('ignores a body sent to the pixel', async () => {
    const response = await fetch(`${t.url}/track/open/x.gif`, { method: 'POST', body: Buffer.alloc(1024 * 1024) });
    expect(response.status).toBe(405);
    await expectHealthy(t.url);
  });
});

describe('GraphQL abuse', () => {
  it('refuses alias-bombed and fragment-bombed queries before running them', async () => {
    const token = await tokenFor(uniqueOrg(), 'u', 'admin');
    const aliases = await gqlRaw(t.url, `{ ${Array.from({ length: 100 }, (_, i) => `v${i}: viewer { userId }`).join(' ')} }`, {}, token);
    expect(aliases.errors?.[0].message).toBe('Query refused: 100 aliases exceed the limit of 30');
    const fragments = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Viewer { userId ${i < 19 ? `...F${i + 1} ...F${i + 1}` : ''} }`).join(' ');
    const bomb = await gqlRaw(t.url, `{ viewer { ...F0 } } ${fragments}`, {}, token);
    expect(bomb.errors?.[0].message).toMatch(/^Query refused: /);
    expect(errorCodes(bomb)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    await expectHealthy(t.url);
  });

  it('treats malformed tokens as unauthenticated: alg none, wrong key, expired, garbage', async () => {
    const claims = { org: 'acme', role: 'owner' };
    const none = new UnsecuredJWT(claims).setSubject('u').encode();
    const wrongKey = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u').sign(new TextEncoder().encode('x'.repeat(40)));
    const expired = await tokenFor('acme', 'u', 'owner', undefined, '-5m');
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).setSubject('u').sign(new TextEncoder().encode(TEST_ENV.AUTH_JWT_SECRET));
    for (const token of [none, wrongKey, expired, hs512, 'x'.repeat(10_000), 'a.b.c']) {
      const result = await gqlRaw(t.url, '{ viewer { userId } }', {}, token);
      expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
      expect(JSON.stringify(result)).not.toMatch(/stack|\.ts:|node_modules/);
    }
  });
});

describe('slow clients', () => {
  it('closes a connection that never finishes its headers (slow-loris)', async () => {
    const db = await openTestDataSource(2);
    const app = createApp(testConfig(), db, createLogger('silent'));
    const server: RunningServer = await startServer(app, 0, '127.0.0.1', { headersMs: 1_000, requestMs: 2_000 });
    try {
      const started = Date.now();
      const answer = await rawRequest(server.url, Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '), 10_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
      await expectHealthy(server.url);
    } finally {
      await server.close();
      await app.recorder.close();
      await db.destroy();
    }
  });
});

describe('GET /metrics', () => {
  it('exposes requests, recorder outcomes and the buffer in Prometheus format, without tokens', async () => {
    const send = await insertSend(t.app.db, { orgId: uniqueOrg() });
    await fetch(`${t.url}/track/open/${send.openToken}.gif`, { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0)' } });
    await fetch(`${t.url}/track/open/${send.openToken}.gif`, { headers: { 'user-agent': 'Googlebot/2.1' } });
    await t.app.recorder.flush();
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/http_requests_total\{route="pixel",status="200"\} [1-9]/);
    expect(text).toMatch(/tracking_events_total\{outcome="counted"\} [1-9]/);
    expect(text).toMatch(/tracking_events_total\{outcome="bot"\} [1-9]/);
    expect(text).toMatch(/tracking_events_buffered 0/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain(send.openToken);
  });
});
