// The token codec on the redirect's and the pixel's hot path: decoding a
// first-format token (emails already sent) next to short-format ones, with
// the URL as codebook bytes (as first minted) and in prefix codes (as minted
// now), and minting one. Measured in CPU time, in alternating rounds
// whose medians are kept: on a machine busy with other work, wall time
// measures the neighbours; CPU time measures the codec.
import { TokenCodec } from '../src/events/tokens';
import { encodeUrlText } from '../src/events/url-codebook';
import { encodeUrlBits } from '../src/events/url-huffman';
import { firstFormatToken, signedShortPayload } from '../test/unit/helpers/first-format-tokens';
import type { BenchRow } from './table';

const SECRET = 'bench-tracking-secret-0123456789abcdef';
const SEND_ID = '0b6f9f5e-3c1a-4d2b-9e8f-7a6b5c4d3e2f';
const ORG = 'acme';
const ROUNDS = 15;
const CALLS_PER_ROUND = 20_000;
// Links as emails carry them: short, with campaign parameters, long with an opaque id.
const URLS = [
  'https://github.com/konsav/email-templates/',
  'https://www.example-shop.com/products/linen-shirt-7?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale',
  'http://concierge.apple.com/WebObjects/Concierge.woa/wa/cancelReservation?r=ewoJInByaW1hcnlLZXkiID0gewoJCSJyZXNlcnZhdGlvbklEIiA9ICI1ODEyMDI2NCI7Cgl9OwoJImVudGl0eU5hbWUiID0gIlJlc2VydmF0aW9uIjsKfQ%3D%3D',
];

/** CPU microseconds per call of `run(i)` over one round. */
function cpuMicroseconds(run: (i: number) => unknown): number {
  const started = process.cpuUsage();
  for (let i = 0; i < CALLS_PER_ROUND; i++) run(i);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / CALLS_PER_ROUND;
}

/** A click token as the short format minted it before prefix codes: the URL as codebook bytes (URL form 1). */
function codebookFormToken(token: string, url: string): string {
  const payload = Buffer.from(token, 'base64url').subarray(0, -12);
  if ((payload[0]! & 0x07) !== 2) throw new Error('the bench expects its URLs minted in prefix codes');
  const urlStart = payload.length - encodeUrlBits(url)!.length;
  const header = Buffer.from([(payload[0]! & 0xf8) | 1]);
  return signedShortPayload(SECRET, Buffer.concat([header, payload.subarray(1, urlStart), encodeUrlText(url)!]));
}

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The median round of each of `runs`, the rounds taken in turn so that load changes touch all alike. */
function alternating(runs: ((i: number) => unknown)[]): number[] {
  const rounds = runs.map(() => [] as number[]);
  for (const run of runs) cpuMicroseconds(run); // warm-up
  for (let round = 0; round < ROUNDS; round++) runs.forEach((run, index) => rounds[index]!.push(cpuMicroseconds(run)));
  return rounds.map(median);
}

export async function benchTokens(): Promise<BenchRow[]> {
  const codec = new TokenCodec(SECRET);
  const first = URLS.map((url, position) => firstFormatToken(SECRET, 'click', ORG, SEND_ID, { position, url }));
  const short = URLS.map((url, position) => codec.encodeClick(ORG, SEND_ID, position, url));
  const codebook = short.map((token, position) => codebookFormToken(token, URLS[position]!));
  const [firstDecode, codebookDecode, shortDecode, mint] = alternating([
    (i) => codec.decode(first[i % first.length]!),
    (i) => codec.decode(codebook[i % codebook.length]!),
    (i) => codec.decode(short[i % short.length]!),
    (i) => codec.encodeClick(ORG, SEND_ID, i & 0xff, URLS[i % URLS.length]!),
  ]);
  return [
    { name: 'decode a first-format click token', value: firstDecode!, unit: 'CPU us/token', goal: 'the baseline: emails sent before the short format' },
    {
      name: 'decode a short-format click token, URL as codebook bytes (as first minted)',
      value: codebookDecode!,
      unit: 'CPU us/token',
      goal: `${(codebookDecode! / firstDecode!).toFixed(2)} x the first format's`,
    },
    {
      name: 'decode a short-format click token, URL in prefix codes (as minted now)',
      value: shortDecode!,
      unit: 'CPU us/token',
      goal: `${(shortDecode! / firstDecode!).toFixed(2)} x the first format's; the difference < 2 % of a redirect's ~65 us`,
    },
    { name: 'mint a short-format click token', value: mint!, unit: 'CPU us/token', goal: '< 20 us: 50 links add < 1 ms to instrumentEmail' },
  ];
}
