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
