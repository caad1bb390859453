// HTML instrumentation (contract section 9): the pure rewriter's MB/s over the
// email corpus, then instrumentEmail end to end over HTTP for a 100 KB email
// with 50 links: one request at a time for latency (p50, p99), then under
// concurrent load for throughput. Every request records a real send.
import autocannon from 'autocannon';
import { signToken } from '../src/auth/jwt';
import { BENCH_SECRETS, startBenchEnvironment } from './environment';
import { benchRewrite } from './rewrite-bench';
import type { BenchRow } from './table';

const EMAIL_BYTES = 100_000;
const EMAIL_LINKS = 50;
const WARMUP_REQUESTS = 100;
const MEASURED_REQUESTS = 1_000;
const LOAD_SECONDS = 5;
const LOAD_CONNECTIONS = 8;

const CONTACT_PLACEHOLDER = 'CONTACT-PLACEHOLDER';
const MUTATION = 'mutation($input: InstrumentEmailInput!) { instrumentEmail(input: $input) { sendId html trackedLinks headers mailgunVariables } }';

/** A newsletter-shaped email: head styles, a table layout, 50 sections of text each with a link, a footer. */
function syntheticEmail(bytes = EMAIL_BYTES, links = EMAIL_LINKS): string {
  const head =
    '<!DOCTYPE html>\r\n<html lang="en"><head><meta charset="utf-8"><title>Newsletter</title>' +
    '<style>body{margin:0;padding:0}td{font-family:Arial,sans-serif;font-size:16px;line-height:24px;color:#333}</style></head>\r\n' +
    '<body><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center">\r\n';
  const foot =
    '<tr><td style="font-size:12px;color:#999">You receive this because you signed up. ' +
    '<a href="https://news.example.com/unsubscribe?u=123&amp;l=9">Unsubscribe</a></td></tr>\r\n</td></tr></table></body></html>\r\n';
  const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ';
  const sectionBytes = Math.floor((bytes - head.length - foot.length) / links);
  const sections: string[] = [];
  for (let i = 0; i < links; i++) {
    const link = `<a href="https://shop.example.com/products/${i}?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=spring" style="color:#0a66c2;text-decoration:underline">Read more about item ${i}</a>`;
    const open = '<tr><td style="padding:12px 24px"><p style="margin:0 0 12px">';
    const close = `</p>${link}</td></tr>\r\n`;
    const room = Math.max(0, sectionBytes - open.length - close.length);
    sections.push(open + filler.repeat(Math.ceil(room / filler.length)).slice(0, room) + close);
  }
  return head + sections.join('') + foot;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

export async function benchInstrument(): Promise<BenchRow[]> {
  const rows: BenchRow[] = await benchRewrite();
  const env = await startBenchEnvironment('instrument');
  try {
    const token = await signToken({ orgId: 'bench', userId: 'crm', role: 'service' }, BENCH_SECRETS.AUTH_JWT_SECRET);
    const html = syntheticEmail();
    // A different recipient each request; the rest of the 100 KB body is serialised once.
    const [before, after] = JSON.stringify({
      query: MUTATION,
      variables: {
        input: {
          senderId: 'sender-1',
          contactId: CONTACT_PLACEHOLDER,
          recipientEmail: 'reader@example.com',
          subject: 'Spring news',
          html,
          text: 'Spring news, in plain text.',
          campaignId: 'spring',
          campaignName: 'Spring newsletter',
          templateId: 'newsletter-v3',
          unsubscribeUrl: 'https://news.example.com/unsubscribe?u=123&l=9',
        },
      },
    }).split(CONTACT_PLACEHOLDER) as [string, string];
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };

    let n = 0;
    const post = async (): Promise<void> => {
      const response = await fetch(`${env.url}/graphql`, { method: 'POST', headers, body: `${before}c-${n++}${after}` });
      const result = (await response.json()) as { data?: { instrumentEmail?: { trackedLinks: number } } };
      if (result.data?.instrumentEmail?.trackedLinks !== EMAIL_LINKS) throw new Error(`unexpected answer: ${JSON.stringify(result).slice(0, 300)}`);
    };
    for (let i = 0; i < WARMUP_REQUESTS; i++) await post();
    const latencies: number[] = [];
    for (let i = 0; i < MEASURED_REQUESTS; i++) {
      const started = performance.now();
      await post();
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);

    const load = await autocannon({
      url: `${env.url}/graphql`,
      method: 'POST',
      connections: LOAD_CONNECTIONS,
      duration: LOAD_SECONDS,
      headers,
      requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: `${before}load-${n++}${after}` }) }],
    });
    const emailKb = `${Math.round(Buffer.byteLength(html) / 1000)} KB, ${EMAIL_LINKS} links`;
    rows.push(
      { name: `instrumentEmail p50 (${emailKb}, one at a time)`, value: round(percentile(latencies, 0.5)), unit: 'ms', goal: '< 10 ms' },
      { name: `instrumentEmail p99 (${emailKb}, one at a time)`, value: round(percentile(latencies, 0.99)), unit: 'ms', goal: 'reference' },
      { name: `instrumentEmail throughput (${LOAD_CONNECTIONS} connections)`, value: Math.round(load.requests.average), unit: 'req/s', goal: `reference, p99 ${load.latency.p99} ms, ${load.non2xx} non-2xx` },
    );
    return rows;
  } finally {
    await env.close();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
