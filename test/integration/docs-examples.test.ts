// The docs must not rot. The README's five-minute tour runs, command by
// command as written, against a real server this test starts; each `# → `
// line under a command is an output line it must print (`…` stands for
// anything). Every ```graphql example in README.md and docs/ validates
// against schema.graphql and runs on that server without an error.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildSchema, Kind, parse, print, specifiedRules, validate, type DefinitionNode, type DocumentNode } from 'graphql';
import type { DataSource } from 'typeorm';
import { createApp, type App } from '../../src/app';
import { isRole, type Role } from '../../src/auth/viewer';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { TEST_ENV, openTestDataSource, testConfig, tokenFor, uniqueOrg } from '../support/app';
import { gqlRaw, queryLimitRefusals } from '../support/graphql-client';
import { codeBlocks, markdownFiles, projectRoot, readProjectFile, type CodeBlock } from '../support/markdown';
import { freePort } from '../support/processes';

const TOUR_HEADING = 'Five-minute tour';
/** What the README's commands assume: `npm start`'s default address. */
const DOCUMENTED_ORIGIN = 'localhost:4000';

interface Served {
  db: DataSource;
  app: App;
  server: RunningServer;
  /** host:port, in place of localhost:4000 */
  origin: string;
}

/** The server as `npm start` would run it with `env` (from the README's start line), on a free port. */
async function serve(env: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const origin = `127.0.0.1:${port}`;
  const config = testConfig({ ...env, PORT: String(port), PUBLIC_BASE_URL: `http://${origin}` });
  const db = await openTestDataSource();
  const app = createApp(config, db, createLogger(config.logLevel));
  const server = await startServer(app, port, '127.0.0.1');
  return { db, app, server, origin };
}

async function stop(served: Served): Promise<void> {
  await served.server.close();
  await served.app.recorder.close();
  await served.app.compactor.stop();
  await served.db.destroy();
}

function tourBlocks(): CodeBlock[] {
  return codeBlocks('README.md').filter((block) => block.lang === 'sh' && block.headings.includes(TOUR_HEADING));
}

/** `VAR=value ... npm start`: the variables the tour starts the server with. */
function startEnvironment(block: CodeBlock): Record<string, string> {
  const match = /^((?:[A-Z_]+=\S+\s+)*)npm start$/m.exec(block.code);
  if (!match) throw new Error(`README.md:${block.line}: the tour's first block should be its "npm start" line`);
  return Object.fromEntries(
    match[1]
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((assignment) => assignment.split('=', 2) as [string, string]),
  );
}

/** The tour's `npm run -s token -- ...` without a build: the same CLI through ts-node. */
const PREAMBLE = `set -euo pipefail
npm() {
  if [ "$#" -ge 4 ] && [ "$1 $2 $3 $4" = "run -s token --" ]; then
    shift 4
    "${path.join(projectRoot, 'node_modules/.bin/ts-node')}" --transpile-only src/cli/token.ts "$@"
  else
    echo "the tour may only run npm run -s token, not: npm $*" >&2
    return 1
  fi
}
`;

function runBash(script: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...TEST_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the tour took over ${timeoutMs} ms; so far:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `# → ` line as a whole-line pattern; `…` matches anything. */
function outputPattern(expected: string): RegExp {
  const parts = expected.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*?')}$`);
}

describe('the README five-minute tour', () => {
  let served: Served;
  let blocks: CodeBlock[];

  beforeAll(async () => {
    blocks = tourBlocks();
    served = await serve(startEnvironment(blocks[0]));
  });

  afterAll(async () => {
    if (served) await stop(served);
  });

  it('prints what it says it prints, as written', async () => {
    expect(blocks.length).toBeGreaterThan(3);
    const commands = blocks
      .slice(1)
      .map((block) => block.code)
      .join('\n')
      .replaceAll(DOCUMENTED_ORIGIN, served.origin);
    const expected = commands
      .split('\n')
      .map((line) => /^# → (.*)$/.exec(line)?.[1])
      .filter((line): line is string => line !== undefined);
    expect(expected.length).toBeGreaterThan(5);

    const run = await runBash(PREAMBLE + commands, 110_000);
    const context = `\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
    if (run.code !== 0) throw new Error(`the tour exited with ${run.code}${context}`);
    const lines = run.stdout.split('\n');
    let at = 0;
    for (const line of expected) {
      const pattern = outputPattern(line);
      const found = lines.findIndex((printed, index) => index >= at && pattern.test(printed));
      if (found === -1) throw new Error(`the tour did not print, after line ${at + 1}:\n${line}${context}`);
      at = found + 1;
    }
  }, 120_000);
});

interface GraphQLExample {
  where: string;
  role: Role;
  document: DocumentNode;
}

/** `# role: partner` in a block runs its operations with that role (default owner). */
function roleOf(block: CodeBlock): Role {
  const role = /^#\s*role:\s*(\w+)/m.exec(block.code)?.[1] ?? 'owner';
  if (!isRole(role)) throw new Error(`${block.file}:${block.line}: unknown role "${role}"`);
  return role;
}

/** Every operation of every ```graphql block, each as its own document with the block's fragments. */
function graphqlExamples(): GraphQLExample[] {
  const examples: GraphQLExample[] = [];
  for (const file of markdownFiles()) {
    for (const block of codeBlocks(file).filter((candidate) => candidate.lang === 'graphql')) {
      const where = `${file}:${block.line}`;
      let document: DocumentNode;
      try {
        document = parse(block.code);
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
      const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
      document.definitions
        .filter((definition): definition is DefinitionNode & { kind: Kind.OPERATION_DEFINITION } => definition.kind === Kind.OPERATION_DEFINITION)
        .forEach((operation, index) =>
          examples.push({ where: `${where} #${index + 1}`, role: roleOf(block), document: { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] } }),
        );
    }
  }
  return examples;
}

describe('the GraphQL examples of README.md and docs/', () => {
  const examples = graphqlExamples();
  const schema = buildSchema(readProjectFile('schema.graphql'));
  let served: Served;

  beforeAll(async () => {
    served = await serve({});
  });

  afterAll(async () => {
    if (served) await stop(served);
  });

  it('are there to check', () => {
    expect(examples.length).toBeGreaterThan(8);
  });

  it.each(examples.map((example) => [example.where, example] as const))('%s validates against schema.graphql', (_where, example) => {
    const errors = validate(schema, example.document, specifiedRules);
    expect([...errors.map((error) => error.message), ...queryLimitRefusals(schema, example.document)]).toEqual([]);
  });

  it.each(examples.map((example) => [example.where, example] as const))('%s runs without an error', async (_where, example) => {
    // Each in an organisation of its own: an erasure in one example cannot refuse another's send.
    const token = await tokenFor(uniqueOrg('docs'), 'u1', example.role, 'team-docs');
    const result = await gqlRaw(`http://${served.origin}`, print(example.document), {}, token);
    expect(result.errors ?? []).toEqual([]);
    expect(result.status).toBe(200);
  });
});

describe('the receiver example of docs/outbound-webhooks.md', () => {
  const RECEIVER_HEADING = 'A receiver in 15 lines';

  it('runs as written: verifies, answers, deduplicates, and refuses a forged message', async () => {
    const [block] = codeBlocks('docs/outbound-webhooks.md').filter((candidate) => candidate.lang === 'js' && candidate.headings.includes(RECEIVER_HEADING));
    expect(block.code.trim().split('\n')).toHaveLength(15);
    const served = await serve({ EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE: 'true' });
    served.app.outbound.start();
    const port = await freePort();
    const orgId = uniqueOrg('docs-receiver');
    const token = await tokenFor(orgId, 'u1', 'owner');
    const created = await gqlRaw<{ createWebhookEndpoint: { endpoint: { id: string }; secret: string } }>(
      `http://${served.origin}`,
      `mutation ($url: String!) { createWebhookEndpoint(url: $url) { endpoint { id } secret } }`,
      { url: `http://127.0.0.1:${port}/hooks` },
      token,
    );
    const { endpoint, secret } = created.data!.createWebhookEndpoint;
    // Run from the project, where `require('standardwebhooks')` resolves as in a receiver's own project.
    const child = spawn(process.execPath, ['-e', block.code], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', WEBHOOK_SECRET: secret, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const waitFor = async (done: () => boolean, what: string) => {
      for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      if (!done()) throw new Error(`the receiver did not ${what}; it printed:\n${output}`);
    };
    try {
      // Listening once an unsigned request is refused.
      for (let i = 0; i < 100; i++) {
        if (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then((response) => response.status === 401, () => false)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const forged = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'webhook-id': 'msg-forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
        body: '{"type":"email.test","data":{}}',
      });
      expect(forged.status).toBe(401);

      const sent = await gqlRaw<{ sendTestWebhook: { id: string } }>(`http://${served.origin}`, `mutation ($id: ID!) { sendTestWebhook(id: $id) { id } }`, { id: endpoint.id }, token);
      await waitFor(() => output.includes(`email.test ${endpoint.id}`), 'print the test event');
      // Sent again with the same webhook-id: answered, not handled twice.
      const deliveryId = sent.data!.sendTestWebhook.id;
      await gqlRaw(`http://${served.origin}`, `mutation ($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }`, { id: deliveryId }, token);
      const delivered = async () =>
        (await served.db.query(`SELECT attempts FROM webhook_deliveries WHERE org_id = $1 AND id = $2 AND status = 'DELIVERED'`, [orgId, deliveryId]))[0]?.attempts ?? 0;
      for (let i = 0; i < 100 && (await delivered()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await delivered()).toBe(2);
      expect(output.trim().split('\n')).toEqual([`email.test ${endpoint.id}`]);
    } finally {
      child.kill('SIGTERM');
      await served.app.outbound.stop();
      await stop(served);
    }
  }, 60_000);
});
