// PostgreSQL stopped and started again in the middle of a steady load of
// pixels, redirects and Mailgun webhooks: the pixel and the redirect answer
// correctly throughout, every counted event is written afterwards, the
// webhooks answer 503 meanwhile and Mailgun's retries land exactly once, and
// the server is healthy again without a restart.
import { uniqueOrg } from '../support/app';
import { PLATFORM_KEY, eventData, jsonBody, postJson } from '../support/mailgun';
import { eventually, startOutageEnvironment, type OutageEnvironment } from '../support/outage';
import { insertSend, sendCounters, type TestSend } from '../support/sends';

const UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36';
const LINK = 'https://example.com/fault?x=1&y=2';

let outage: OutageEnvironment;
beforeAll(async () => {
  outage = await startOutageEnvironment('fault', { TRUST_PROXY: '1', MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
});
afterAll(async () => {
  await outage.close();
});

interface Tally {
  pixels: number;
  redirects: number;
  wrongAnswers: string[];
  webhooks: Map<string, number[]>;
}

let clientsSoFar = 0;
/** A new address for every wave of every client, so each request counts. */
function nextAddress(): string {
  const n = clientsSoFar++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** One client: waves of a pixel and a redirect from a new address, and one webhook event, until stopped. */
async function load(send: TestSend, stop: () => boolean, tally: Tally, pending: Record<string, unknown>[]): Promise<void> {
  const { server } = outage;
  while (!stop()) {
    const ip = nextAddress();
    const headers = { 'user-agent': UA, 'x-forwarded-for': ip };
    const [pixel, redirect] = await Promise.all([
      fetch(`${server.url}/track/open/${send.openToken}.gif`, { headers }),
      fetch(`${server.url}/track/click/${send.clickTokens[0]}`, { headers, redirect: 'manual' }),
    ]);
    if (pixel.status === 200 && (await pixel.arrayBuffer()).byteLength === 43) tally.pixels++;
    else tally.wrongAnswers.push(`pixel ${pixel.status}`);
    if (redirect.status === 302 && redirect.headers.get('location') === LINK) tally.redirects++;
    else tally.wrongAnswers.push(`redirect ${redirect.status}`);
    // a delivery event: one effect-free but recorded webhook per wave
    const data = eventData('delivered', { sendId: send.sendId, orgId: send.orgId });
    const webhook = await postJson(server.url, jsonBody(PLATFORM_KEY, data));
    const id = String(data.id);
    tally.webhooks.set(id, [...(tally.webhooks.get(id) ?? []), webhook.status]);
    if (webhook.status !== 200) pending.push(data);
  }
}

it('keeps every answer right through a PostgreSQL restart and loses nothing', async () => {
  const { app, server } = outage;
  const send = await insertSend(app.db, { orgId: uniqueOrg('fault'), links: [LINK] });
  const tally: Tally = { pixels: 0, redirects: 0, wrongAnswers: [], webhooks: new Map() };
  const pending: Record<string, unknown>[] = [];
  let stopped = false;
  const clients = Array.from({ length: 4 }, () => load(send, () => stopped, tally, pending));

  await new Promise((resolve) => setTimeout(resolve, 700));
  await outage.stopDatabase();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(((await (await fetch(`${server.url}/healthz`)).json()) as { db: string }).db).toBe('down');
  await outage.startDatabase();
  await new Promise((resolve) => setTimeout(resolve, 700));
  stopped = true;
  await Promise.all(clients);

  expect(tally.wrongAnswers).toEqual([]);
  const refused = [...tally.webhooks.values()].filter((statuses) => statuses.includes(503)).length;
  expect(refused).toBeGreaterThan(0); // the outage did hit the webhooks
  expect([...tally.webhooks.values()].flat().every((status) => status === 200 || status === 503)).toBe(true);

  // Mailgun retries what was refused, with fresh signatures, until it is stored; a second retry is a repeat.
  for (const data of pending) {
    await eventually(async () => (await postJson(server.url, jsonBody(PLATFORM_KEY, data))).status === 200);
    const again = await postJson(server.url, jsonBody(PLATFORM_KEY, data));
    expect(await again.json()).toEqual({ status: 'duplicate' });
  }

  await eventually(async () => app.recorder.buffered === 0);
  const counters = await sendCounters(app.db, send);
  // every request came from its own address: each one counts
  expect([counters.opens, counters.clicks]).toEqual([tally.pixels, tally.redirects]);
  const [{ processed }] = await app.db.query(
    `SELECT count(*)::int AS processed FROM processed_webhook_events WHERE org_id = $1`,
    [send.orgId],
  );
  expect(processed).toBe(tally.webhooks.size);
  await eventually(async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { db: string }).db === 'up');
}, 90_000);
