// docs/live.md's client example runs as written: the ```js block under "A
// client in 15 lines", at most 15 lines, in a Node process of its own with
// graphql-sse's client, against a server this test starts. An open made once
// it is subscribed is printed as the docs say.
import { spawn } from 'node:child_process';
import { startTestApp, TEST_ENV, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { hitPixel, PERSON_UA } from '../support/live-stream';
import { codeBlocks, projectRoot } from '../support/markdown';
import { insertSend } from '../support/sends';

const HEADING = 'A client in 15 lines';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

function example(): string {
  const blocks = codeBlocks('docs/live.md').filter((block) => block.lang === 'js' && block.heading === HEADING);
  expect(blocks).toHaveLength(1);
  return blocks[0].code;
}

test('docs/live.md: the 15-line client prints an open as it happens', async () => {
  const code = example();
  expect(code.split('\n').length).toBeLessThanOrEqual(15);
  const org = uniqueOrg('docs-live');
  const send = await insertSend(t.app.db, { orgId: org, email: 'ada@example.com' });
  await t.app.db.query(`UPDATE sends SET subject = 'Spring news' WHERE org_id = $1 AND id = $2`, [org, send.sendId]);

  // As the docs run it: an ES module in the checkout, where node_modules holds graphql-sse.
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...TEST_ENV, BASE_URL: t.url, TOKEN: await tokenFor(org, 'olivia', 'owner') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const deadline = Date.now() + 20_000;
    // Attached, not merely opened: a stream still starting its LISTEN would miss the open.
    while (t.app.live.attachedStreams === 0) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the example never subscribed:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await hitPixel(t.url, send.openToken, PERSON_UA);
    const printBy = Date.now() + 20_000;
    while (!/\n/.test(output)) {
      if (Date.now() > printBy || child.exitCode !== null) throw new Error(`the example printed nothing:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(output).toBe('OPENED ada@example.com Spring news  person\n');
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}, 60_000);
