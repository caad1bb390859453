// GET /metrics answers the scraper only (contract section 1, METRICS_TOKEN):
// the audit found it open to anyone.
import { startTestApp, type TestApp } from '../support/app';

const METRICS_TOKEN = 'scraper-token-0123456789';

async function metricsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${url}/metrics`, { headers });
  await response.arrayBuffer();
  return response.status;
}

describe('with METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN });
  });
  afterAll(async () => t.close());

  it('needs the bearer: none, another or a near miss is 401', async () => {
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.text()).not.toContain('http_requests_total');
    expect(await metricsStatus(t.url, { authorization: 'Bearer wrong-token-0123456789' })).toBe(401);
    expect(await metricsStatus(t.url, { authorization: `Bearer ${METRICS_TOKEN}x` })).toBe(401);
    expect(await metricsStatus(t.url, { authorization: METRICS_TOKEN })).toBe(401);
  });

  it('answers the scraper that presents it', async () => {
    const response = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('http_requests_total');
  });
});

describe('in production without METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', TRUST_PROXY: '1' });
  });
  afterAll(async () => t.close());

  it('answers a loopback client', async () => {
    expect(await metricsStatus(t.url)).toBe(200);
  });

  it('refuses a client a trusted proxy names as remote', async () => {
    expect(await metricsStatus(t.url, { 'x-forwarded-for': '203.0.113.9' })).toBe(403);
    expect(await metricsStatus(t.url, { 'x-forwarded-for': '127.0.0.1' })).toBe(200);
  });
});
