// The token codec on the redirect's and the pixel's hot path: decoding a
// first-format token (emails already sent) next to a short-format one (what is
// minted now), and minting one. Printed per call; on a loaded machine compare
// the two decodes with each other, not with the budget.
import { TokenCodec } from '../src/events/tokens';
import { firstFormatToken } from '../test/unit/helpers/first-format-tokens';
import { microsecondsPerCall } from './classify-bench';
import type { BenchRow } from './table';

const SECRET = 'bench-tracking-secret-0123456789abcdef';
const SEND_ID = '0b6f9f5e-3c1a-4d2b-9e8f-7a6b5c4d3e2f';
const ORG = 'acme';
// Links as emails carry them: short, with campaign parameters, long with an opaque id.
const URLS = [
  'https://github.com/konsav/email-templates/',
  'https://www.example-shop.com/products/linen-shirt-7?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale',
  'http://concierge.apple.com/WebObjects/Concierge.woa/wa/cancelReservation?r=ewoJInByaW1hcnlLZXkiID0gewoJCSJyZXNlcnZhdGlvbklEIiA9ICI1ODEyMDI2NCI7Cgl9OwoJImVudGl0eU5hbWUiID0gIlJlc2VydmF0aW9uIjsKfQ%3D%3D',
];

export async function benchTokens(): Promise<BenchRow[]> {
  const codec = new TokenCodec(SECRET);
  const first = URLS.map((url, position) => firstFormatToken(SECRET, 'click', ORG, SEND_ID, { position, url }));
  const short = URLS.map((url, position) => codec.encodeClick(ORG, SEND_ID, position, url));
  const decodes = (tokens: string[]) => (i: number) => codec.decode(tokens[i % tokens.length]!) !== null;
  const firstDecode = microsecondsPerCall(decodes(first));
  const shortDecode = microsecondsPerCall(decodes(short));
  return [
    { name: 'decode a first-format click token', value: firstDecode, unit: 'us/token', goal: 'the baseline: emails sent before the short format' },
    { name: 'decode a short-format click token', value: shortDecode, unit: 'us/token', goal: `<= 1.05 x the first format's (${(shortDecode / firstDecode).toFixed(2)} x)` },
    {
      name: 'mint a short-format click token',
      value: microsecondsPerCall((i) => codec.encodeClick(ORG, SEND_ID, i & 0xff, URLS[i % URLS.length]!).length > 0),
      unit: 'us/token',
      goal: '< 20 us: 50 links add < 1 ms to instrumentEmail',
    },
  ];
}
