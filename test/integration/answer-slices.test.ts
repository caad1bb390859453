// A large answer is written a slice at a time with a turn of the event loop
// between slices (src/http/respond.ts), so the pixel and the redirect are
// answered while an instrumented 8 MiB email goes out. Waiting for the
// socket alone gave no turn: a write the socket takes at once drains within
// the same turn, and every slice ran in one go.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { endInSlices } from '../../src/http/respond';

let server: Server;
let turnsDuringAnswer = 0;
const ANSWER = `${'é'.repeat(300_000)}${'x'.repeat(700_000)}`;

beforeAll(async () => {
  server = createServer((_req, res) => {
    let counting = true;
    let turns = 0;
    const count = () => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    void endInSlices(res, ANSWER).then(() => {
      counting = false;
      turnsDuringAnswer = turns;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => new Promise((resolve) => server.close(resolve)));

it('gives the event loop a turn between the slices of a large answer, and writes it whole', async () => {
  const { port } = server.address() as AddressInfo;
  const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  expect(text).toBe(ANSWER);
  // 1,000,000 characters in slices of 64 Ki: 16 slices, a turn after each but the last.
  expect(turnsDuringAnswer).toBeGreaterThanOrEqual(15);
});
