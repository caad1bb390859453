// The audit's hostile requests against a real production-mode server process
// (issue 22, findings 1, 2, 5 and 7), each with the pixel's latency measured
// while it runs: contract section 8 allows no single request to delay the
// pixel by more than 250 ms, and a malformed body gets a 4xx, never a 500.
// On the audited build these held the pixel for seconds.
//
// The timing is measured on a shared, loaded machine: an attempt whose worst
// pixel answer is over the bound is tried again, up to three times, and the
// test fails only when every attempt is over it, printing each attempt and
// the machine's own noise just before it. A request that stalls the server
// fails every attempt.
import { request as httpRequest } from 'node:http';
import { TEST_ENV, tokenFor, uniqueOrg } from '../support/app';
import { jsonBody, PLATFORM_KEY, WEBHOOK_PATH } from '../support/mailgun';
import { PIXEL_DELAY_BOUND_MS, probePixelDuring, type ProbeResult } from '../support/pixel-probe';
import { freePort, spawnServer, type ServerProcess } from '../support/processes';
import { getTestDatabase } from '../support/test-database-state';

jest.setTimeout(180_000);

let server: ServerProcess;
let base: string;
let pixelUrl: string;
let adminToken: string;
let memberToken: string;
const org = uniqueOrg('hostile');

interface Answer {
  status: number;
  text: string;
}

/**
 * POSTs `body` and resolves with the answer. A server that refuses a body
 * early answers and closes while it is still being sent: the write's error
 * after the answer is expected, not a failure (fetch would throw on it).
 */
function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    let answered = false;
    // A connection of its own: building a body takes seconds, long enough for the server to close an idle kept-alive one.
    const req = httpRequest(`${base}${path}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': bytes.length, ...headers } }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(bytes);
  });
}

const asCaller = (token: string) => ({ authorization: `Bearer ${token}` });

const INSTRUMENT = 'mutation ($input: InstrumentEmailInput!) { instrumentEmail(input: $input) { sendId tracked trackedLinks warnings html } }';

function instrumentBody(html: string, senderId: string): string {
  return JSON.stringify({ query: INSTRUMENT, variables: { input: { senderId, contactId: `c-${Math.random()}`, recipientEmail: 'ada@example.com', html } } });
}

/**
 * Sends the request while probing the pixel, checks its answer with
 * `expectAnswer` each time, and expects the pixel's worst answer under the
 * bound in one of up to three attempts (see the top of this file).
 */
async function expectPixelUnaffected(what: string, send: () => Promise<Answer>, expectAnswer: (answer: Answer) => void): Promise<void> {
  const attempts: ProbeResult<Answer>[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await probePixelDuring(pixelUrl, send);
    expectAnswer(result.outcome);
    expect(result.probes).toBeGreaterThan(0);
    attempts.push(result);
    if (result.worstMs < PIXEL_DELAY_BOUND_MS) return;
  }
  const measured = attempts.map((result) => `worst ${Math.round(result.worstMs)} ms over ${result.probes} pixels (machine noise just before: ${Math.round(result.quietWorstMs)} ms)`);
  expect({ what, attempts: measured }).toEqual({ what, attempts: [`worst under ${PIXEL_DELAY_BOUND_MS} ms`] });
}

beforeAll(async () => {
  const port = await freePort();
  server = spawnServer({
    ...TEST_ENV,
    NODE_ENV: 'production',
    EMAIL_TRACKING_ENABLED: 'true',
    LOG_LEVEL: 'warn',
    DATABASE_URL: getTestDatabase().url,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY,
  });
  base = `http://127.0.0.1:${port}`;
  // LOG_LEVEL=warn keeps "listening" out of the output, where error lines are looked for.
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${base}/healthz`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`the server did not start:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  adminToken = await tokenFor(org, 'admin-1', 'admin');
  memberToken = await tokenFor(org, 'member-1', 'member');
  const sent = JSON.parse((await post('/graphql', instrumentBody('<html><body><a href="https://example.com/">x</a></body></html>', 'admin-1'), asCaller(adminToken))).text) as {
    data: { instrumentEmail: { html: string } };
  };
  pixelUrl = /src="([^"]+\.gif)"/.exec(sent.data.instrumentEmail.html)![1];
});

afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
});

afterEach(() => {
  // A server that died mid-test would fail every later test with ECONNREFUSED: say why once.
  if (server.child.exitCode !== null) throw new Error(`the server exited (${server.child.exitCode}):\n${server.output().slice(-3000)}`);
});

describe('bodies', () => {
  it('a 10 MB nested array without a token: 413 after 64 KiB', async () => {
    const body = '['.repeat(5 * 1024 * 1024) + ']'.repeat(5 * 1024 * 1024);
    await expectPixelUnaffected('unauthenticated 10 MB nested array', () => post('/graphql', body), (answer) => {
      expect(answer).toEqual({ status: 413, text: expect.stringContaining('over 64 KiB without a valid bearer token') });
    });
  });

  it('a 10 MB nested array with a token: 400', async () => {
    const body = '['.repeat(5 * 1024 * 1024) + ']'.repeat(5 * 1024 * 1024);
    await expectPixelUnaffected('authenticated 10 MB nested array', () => post('/graphql', body, asCaller(memberToken)), (answer) => {
      expect(answer).toEqual({ status: 400, text: expect.stringContaining('nests deeper than 32 levels') });
    });
  });

  it('a 17 MB object with a million keys, with a token: 400', async () => {
    const keys = Array.from({ length: 1_000_000 }, (_, i) => `"k${i}":${i}`);
    const body = Buffer.from(`{"query":"{ viewer { userId } }","variables":{${keys.join(',')}}}`);
    expect(body.length).toBeGreaterThan(16 * 1024 * 1024);
    await expectPixelUnaffected('authenticated 17 MB object, a million keys', () => post('/graphql', body, asCaller(memberToken)), (answer) => {
      expect(answer).toEqual({ status: 400, text: expect.stringContaining('holds more than 10000 values') });
    });
  });

  it('a 1 MB nested webhook: 400', async () => {
    const nested = '['.repeat(500 * 1024) + ']'.repeat(500 * 1024);
    await expectPixelUnaffected('1 MB nested webhook', () => post(WEBHOOK_PATH, `{"signature":{},"event-data":${nested}}`), (answer) => {
      expect(answer).toEqual({ status: 400, text: expect.stringContaining('nests deeper than 32 levels') });
    });
  });

  it('a 1 MB multipart webhook of 17,000 parts: 400 before it is parsed', async () => {
    const parts = Array.from({ length: 17_000 }, (_, i) => `--XyZ\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`);
    const body = `${parts.join('')}--XyZ--\r\n`;
    await expectPixelUnaffected('1 MB multipart of 17,000 parts', () => post(WEBHOOK_PATH, body, { 'content-type': 'multipart/form-data; boundary=XyZ' }), (answer) => {
      expect(answer).toEqual({ status: 400, text: expect.stringContaining('form has more than 200 fields') });
    });
  });

  it('a webhook with a 100,000-deep event-data and no id: 400, and no error logged (finding 7)', async () => {
    const before = server.output().length;
    const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const body = jsonBody(PLATFORM_KEY, { event: 'opened', timestamp: Date.now() / 1000, deep: '__DEEP__' }).replace('"__DEEP__"', deep);
    await expectPixelUnaffected('100,000-deep webhook', () => post(WEBHOOK_PATH, body), (answer) => {
      expect(answer).toEqual({ status: 400, text: expect.stringContaining('nests deeper than 32 levels') });
    });
    expect(server.output().slice(before)).not.toMatch(/"level":(50|60)/);
  });
});

describe('GraphQL', () => {
  it('550 aliased __schema selections are refused before they run, with or without a token (finding 2)', async () => {
    const query = `{ ${Array.from({ length: 550 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`).join(' ')} }`;
    for (const headers of [{}, asCaller(memberToken)]) {
      await expectPixelUnaffected('550 aliased introspections', () => post('/graphql', JSON.stringify({ query }), headers), (answer) => {
        expect(answer.status).toBe(400);
        expect(answer.text).not.toContain('"data"');
      });
    }
    // fewer, so the document parses: the aliases are counted, introspection or not
    const forty = `{ ${Array.from({ length: 40 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ')} }`;
    const answer = await post('/graphql', JSON.stringify({ query: forty }), asCaller(memberToken));
    expect(answer).toEqual({ status: 400, text: expect.stringContaining('40 aliases exceed the limit of 30') });
  });

  it('300 copies of one field are refused before validation compares them pairwise', async () => {
    const query = `{ ${Array.from({ length: 300 }, () => 'viewer { userId }').join(' ')} }`;
    await expectPixelUnaffected('300 repeated fields', () => post('/graphql', JSON.stringify({ query })), (answer) => {
      expect(answer).toEqual({ status: 400, text: expect.stringContaining('299 fields repeat a name') });
    });
  });

  it('a 2 MB email is instrumented while the pixel keeps answering', async () => {
    const block = (i: number) =>
      `<tr><td style="padding:12px;font-family:Arial,sans-serif;color:#333">Story ${i}: <a href="https://news.example.com/story/${i % 400}?utm_source=mail&amp;utm_medium=email">read more</a> &mdash; caf&eacute; news</td></tr>\n`;
    let rows = '';
    for (let i = 0; rows.length < 2 * 1024 * 1024; i++) rows += block(i);
    const body = instrumentBody(`<html><body><table>${rows}</table></body></html>`, 'member-1');
    await expectPixelUnaffected('2 MB email', () => post('/graphql', body, asCaller(memberToken)), (answer) => {
      expect(answer.status).toBe(200);
      const email = (JSON.parse(answer.text) as { data: { instrumentEmail: { tracked: boolean; trackedLinks: number; warnings: string[] } } }).data.instrumentEmail;
      // Over Gmail's 102 KB clip too.
      expect(email).toEqual({ ...email, tracked: true, trackedLinks: 500, warnings: ['GMAIL_CLIP_RISK', 'LINKS_CAPPED'] });
    });
  });

  it("a member's 7.9 MB email with 224,000 links: 500 tracked, LINKS_CAPPED, the pixel answering (finding 5)", async () => {
    const links = Array.from({ length: 224_000 }, (_, i) => `<a href="https://ex.co/${i}">x</a>`);
    const html = `<html><body>${links.join('')}</body></html>`;
    expect(html.length).toBeGreaterThan(7.5 * 1024 * 1024);
    const body = instrumentBody(html, 'member-1');
    await expectPixelUnaffected('7.9 MB email, 224,000 links', () => post('/graphql', body, asCaller(memberToken)), (answer) => {
      expect(answer.status).toBe(200);
      const email = (JSON.parse(answer.text) as { data: { instrumentEmail: { trackedLinks: number; warnings: string[]; html: string } } }).data.instrumentEmail;
      expect(email.trackedLinks).toBe(500);
      expect(email.warnings).toEqual(['GMAIL_CLIP_RISK', 'LINKS_CAPPED']);
      expect(email.html).toContain('<a href="https://ex.co/223999">');
      expect(email.html).not.toContain('<a href="https://ex.co/499">');
      expect(email.html).toContain('<a href="https://ex.co/500">');
    });
  });
});
