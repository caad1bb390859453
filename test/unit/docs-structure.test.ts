// The docs hold what is true of the code: every relative link and every
// mention of a docs/ file points at a file that exists, the README's
// configuration table names every variable the code reads, and the folder
// map in docs/architecture.md is the real import graph (both ways), with
// the rules written under it. Reads files only; no server.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { anchors, links, markdownFiles, projectRoot, readProjectFile, tableUnder } from '../support/markdown';

const SRC = path.join(projectRoot, 'src');

function walk(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', '.git', 'dist', '.data', 'generated'].includes(entry.name) ? [] : walk(full, keep);
    return keep(full) ? [full] : [];
  });
}

describe('links in README.md and docs/', () => {
  const all = markdownFiles().flatMap(links);

  it('are there to check', () => {
    expect(all.length).toBeGreaterThan(30);
  });

  it.each(all.filter((link) => !/^[a-z]+:/i.test(link.target)).map((link) => [`${link.file}:${link.line} ${link.target}`, link] as const))(
    '%s points at a file (and heading) that exists',
    (_name, link) => {
      const [target, anchor] = link.target.split('#', 2) as [string, string | undefined];
      const file = target === '' ? link.file : path.normalize(path.join(path.dirname(link.file), target));
      expect(existsSync(path.join(projectRoot, file))).toBe(true);
      if (anchor !== undefined && file.endsWith('.md')) expect([...anchors(file)]).toContain(anchor);
    },
  );
});

describe('mentions of docs/ files anywhere in the repository', () => {
  const texts = walk(projectRoot, (file) => /\.(ts|js|md|json|html|css|yml|sh)$/.test(file) || file.endsWith(`${path.sep}run`));
  const mentions = texts.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\bdocs\/([\w.-]+\.(?:md|png))/g)].map((match) => ({ file: path.relative(projectRoot, file), doc: match[1] })),
  );

  it('are there to check', () => {
    expect(mentions.length).toBeGreaterThan(3);
  });

  it.each(mentions.map((mention) => [`${mention.file}: docs/${mention.doc}`, mention] as const))('%s exists', (_name, mention) => {
    expect(existsSync(path.join(projectRoot, 'docs', mention.doc))).toBe(true);
  });
});

describe('every docs page', () => {
  it.each(markdownFiles().filter((file) => file.startsWith('docs/')))('%s starts with a title and a line on what it is for', (file) => {
    const [title, blank, purpose] = readProjectFile(file).split('\n');
    expect(title).toMatch(/^# \S/);
    expect(blank).toBe('');
    expect(purpose).toMatch(/^[A-Z`]/);
  });
});

describe("the README's configuration table", () => {
  const rows = tableUnder('README.md', 'Configuration').slice(1);
  const documented = new Set(rows.flatMap((cells) => [...cells[0].matchAll(/`([A-Z_*]+)`/g)].map((match) => match[1])));
  const config = readProjectFile('src/config.ts');
  const read = new Set([...config.matchAll(/\(env, '([A-Z_]+)'/g)].map((match) => match[1]));
  const benchKnobs = new Set(
    walk(path.join(projectRoot, 'bench'), (file) => file.endsWith('.ts')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/process\.env(?:\.|\[')(BENCH_[A-Z_]+)/g)].map((match) => match[1]),
    ),
  );

  it('names every variable src/config.ts reads, and the tests\' and benchmarks\' own', () => {
    expect(read.size).toBeGreaterThan(15);
    const missing = [...read, 'TEST_DATABASE_URL', 'TEST_CITUS_URL', 'LOCAL_CITUS_PORTS', 'BENCH_DATABASE_URL'].filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
    expect(documented.has('BENCH_*')).toBe(true);
  });

  it('names no variable the code does not read', () => {
    const known = new Set([...read, 'TEST_DATABASE_URL', 'TEST_CITUS_URL', 'LOCAL_CITUS_PORTS', 'BENCH_DATABASE_URL', 'BENCH_*']);
    expect([...documented].filter((name) => !known.has(name))).toEqual([]);
  });

  it('has each benchmark knob explained in docs/operations.md', () => {
    const operations = readProjectFile('docs/operations.md');
    expect(benchKnobs.size).toBeGreaterThan(3);
    expect([...benchKnobs].filter((name) => !operations.includes(name))).toEqual([]);
  });

  it('links every row to where it is explained', () => {
    expect(rows.filter((cells) => !/\]\(docs\/[\w-]+\.md(#[\w-]+)?\)/.test(cells[cells.length - 1])).map((cells) => cells[0])).toEqual([]);
  });
});

interface ImportEdge {
  /** the importing file, relative to src/ */
  from: string;
  /** what the specifier resolves to, relative to src/ (outside src/: "../x") */
  to: string;
  specifier: string;
  typeOnly: boolean;
}

/** Every import, export-from, require() and import() of a file. */
function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, file.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const to = specifier.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), specifier)) : specifier;
    edges.push({ from: path.relative(SRC, file), to, specifier, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The folder map's unit of a path under src/: its top folder ("events/"), or a root file's name ("app"). */
function unitOf(relative: string): string {
  if (relative.startsWith('..')) return `${relative.split(path.sep)[1]}/`;
  const parts = relative.split(path.sep);
  return parts.length > 1 ? `${parts[0]}/` : parts[0].replace(/\.(ts|js)$/, '');
}

const sourceFiles = walk(SRC, (file) => /\.(ts|js)$/.test(file));
const relativeImports = sourceFiles.flatMap(importsOf).filter((edge) => edge.specifier.startsWith('.'));

describe('the folder map in docs/architecture.md', () => {
  const rows = tableUnder('docs/architecture.md', 'Folder map');
  const header = rows[0];
  const importsColumn = header.findIndex((cell) => cell.startsWith('imports'));
  const documented = new Map(
    rows.slice(1).map((cells) => [cells[0].replace(/`/g, ''), new Set([...cells[importsColumn].matchAll(/`([^`]+)`/g)].map((match) => match[1]))]),
  );
  const actual = new Map<string, Set<string>>();
  for (const file of sourceFiles) actual.set(unitOf(path.relative(SRC, file)), new Set());
  for (const edge of relativeImports) {
    const from = unitOf(edge.from);
    const to = unitOf(edge.to);
    if (from !== to) actual.get(from)?.add(to);
  }

  it('has a row for every part of src/, and none for a part that is gone', () => {
    expect(importsColumn).toBeGreaterThan(0);
    expect([...documented.keys()].sort()).toEqual([...actual.keys()].sort());
  });

  it.each([...actual.keys()].sort())('lists exactly what %s imports', (unit) => {
    expect([...(documented.get(unit) ?? [])].sort()).toEqual([...(actual.get(unit) ?? [])].sort());
  });

  const importers = (prefix: string) =>
    [...new Set(relativeImports.filter((edge) => edge.to.startsWith(prefix) && !edge.from.startsWith(prefix)).map((edge) => edge.from))].sort();

  it('keeps the journal to its one caller, plus the options in app.ts and the start error in main.ts', () => {
    expect(importers(`events${path.sep}journal${path.sep}`)).toEqual(['app.ts', `events${path.sep}recorder.ts`, 'main.ts']);
  });

  it('keeps graphql/ to http/ and cli/, and the one type privacy/ takes from its loaders', () => {
    const outside = relativeImports.filter((edge) => edge.to.startsWith(`graphql${path.sep}`) && !edge.from.startsWith(`graphql${path.sep}`));
    const unexpected = outside.filter((edge) => !/^(http|cli)\//.test(edge.from.split(path.sep).join('/')) && !(edge.from.startsWith(`privacy${path.sep}`) && edge.typeOnly));
    expect(unexpected).toEqual([]);
  });

  it('lets the browser pages import only their siblings', () => {
    const pages = sourceFiles.filter((file) => file.startsWith(path.join(SRC, 'pages'))).flatMap(importsOf);
    expect(pages.filter((edge) => !/^\.\/[\w-]+\.js$/.test(edge.specifier))).toEqual([]);
  });
});

describe('the pure core listed in docs/architecture.md', () => {
  const text = readProjectFile('docs/architecture.md');
  const section = text.slice(text.indexOf('### The pure core'), text.indexOf('\n## ', text.indexOf('### The pure core')));
  const listed = [...section.matchAll(/`(src\/[\w/.-]+\.(?:ts|js))`/g)].map((match) => match[1]);
  /** Modules that reach a disk, a network or a database; node:net's isIP and node:crypto are pure. */
  const IO = /^(typeorm|pg|pg-copy-streams|pino|node:(fs|fs\/promises|http|https|child_process|dgram|tls|worker_threads)|fs|http|https)$/;

  const pure = new Set(listed);
  /** A specifier resolved against src/ as the compiler would: the file with its extension. */
  const resolveSource = (relative: string) =>
    ['.ts', '.js', `${path.sep}index.ts`].map((ext) => `src/${(relative.replace(/\.js$/, '') + ext).split(path.sep).join('/')}`).find((candidate) => existsSync(path.join(projectRoot, candidate))) ?? relative;

  it('is there to check', () => {
    expect(listed.length).toBeGreaterThan(15);
  });

  it.each(listed)('%s exists and imports no I/O, and (types aside) only the pure core', (file) => {
    expect(statSync(path.join(projectRoot, file)).isFile()).toBe(true);
    const values = importsOf(path.join(projectRoot, file)).filter((edge) => !edge.typeOnly);
    expect(values.filter((edge) => IO.test(edge.specifier)).map((edge) => edge.specifier)).toEqual([]);
    const outside = values.filter((edge) => edge.specifier.startsWith('.') && !pure.has(resolveSource(edge.to)));
    expect(outside.map((edge) => edge.specifier)).toEqual([]);
  });
});
