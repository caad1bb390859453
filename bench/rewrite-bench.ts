// HTML instrumentation throughput (contract section 9): rewrites the shared email
// corpus over and over for about two seconds and reports input megabytes per second.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { rewriteHtml, type RewriteOptions } from '../src/instrument/rewriter';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  goal: string;
}

const DURATION_MS = 2000;
const WARMUP_ROUNDS = 20;

// The corpus lives next to the repository (../shared from its root); from
// bench/ under ts-node that is two levels up, from dist/bench/ three.
function corpusDirectory(): string {
  const candidates = [
    process.env['EMAIL_CORPUS_DIR'],
    path.resolve(__dirname, '../../shared/corpus/emails'),
    path.resolve(__dirname, '../../../shared/corpus/emails'),
  ];
  const found = candidates.find((dir): dir is string => dir !== undefined && existsSync(dir));
  if (found === undefined) {
    throw new Error(`email corpus not found (looked in ${candidates.filter(Boolean).join(', ')}); set EMAIL_CORPUS_DIR`);
  }
  return found;
}

function readCorpus(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.html'))
    .sort()
    .map((name) => readFileSync(path.join(dir, name), 'utf8'));
}

export async function benchRewrite(): Promise<BenchResult[]> {
  const emails = readCorpus(corpusDirectory());
  const roundBytes = emails.reduce((sum, html) => sum + Buffer.byteLength(html, 'utf8'), 0);
  // A realistic tracking URL per link, as the instrumenter would build it.
  const options: RewriteOptions = {
    unsubscribeUrl: 'https://example.com/unsubscribe?c=1',
    clickUrl: (_url, position) => `https://track.example.com/track/click/AbCdEfGh0123456789_-${position}`,
    pixelUrl: 'https://track.example.com/track/open/AbCdEfGh0123456789_-.gif',
  };
  let sink = 0;
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    for (const html of emails) sink += rewriteHtml(html, options).links.length;
  }
  let rounds = 0;
  const started = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < DURATION_MS) {
    for (const html of emails) sink += rewriteHtml(html, options).html.length;
    rounds++;
    elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  }
  if (sink === 0) throw new Error('rewriter produced nothing');
  const megabytesPerSecond = (roundBytes * rounds) / 1e6 / (elapsedMs / 1000);
  return [
    {
      name: `HTML instrumentation (${emails.length} corpus emails, ${(roundBytes / 1e6).toFixed(2)} MB per round)`,
      value: Math.round(megabytesPerSecond * 10) / 10,
      unit: 'MB/s',
      goal: '>= 50 MB/s',
    },
  ];
}
