// Reading the project's Markdown for the docs tests: which files there are,
// their fenced code blocks (with the heading each sits under) and their links.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const projectRoot = path.resolve(__dirname, '../..');

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  lang: string;
  code: string;
  /** the nearest heading above it, without its #s */
  heading: string;
  /** every heading above it, outermost first */
  headings: string[];
}

export interface MarkdownLink {
  file: string;
  line: number;
  target: string;
}

/** README.md and every page under docs/, relative to the project root. */
export function markdownFiles(): string[] {
  const docs = readdirSync(path.join(projectRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export const readProjectFile = (file: string): string => readFileSync(path.join(projectRoot, file), 'utf8');

const FENCE = /^```\s*([\w-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*$/;

/** Fenced code blocks (```lang ... ```) of one file, in order. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readProjectFile(file).split('\n');
  const blocks: CodeBlock[] = [];
  const headings: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const heading = HEADING.exec(lines[index]);
    if (heading) {
      headings.length = heading[1].length - 1;
      headings[heading[1].length - 1] = heading[2];
      continue;
    }
    const fence = FENCE.exec(lines[index]);
    if (!fence) continue;
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && !/^```\s*$/.test(lines[index]); index++) body.push(lines[index]);
    const chain = headings.filter((entry) => entry !== undefined);
    blocks.push({ file, line: start + 1, lang: fence[1], code: body.join('\n'), heading: chain[chain.length - 1] ?? '', headings: chain });
  }
  return blocks;
}

/** Links and images of one file, outside code blocks and inline code. */
export function links(file: string): MarkdownLink[] {
  const found: MarkdownLink[] = [];
  let inFence = false;
  readProjectFile(file)
    .split('\n')
    .forEach((text, index) => {
      if (/^```/.test(text)) inFence = !inFence;
      if (inFence) return;
      const prose = text.replace(/`[^`]*`/g, '');
      for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) found.push({ file, line: index + 1, target: match[1] });
    });
  return found;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every heading anchor of a file. */
export function anchors(file: string): Set<string> {
  const found = new Set<string>();
  let inFence = false;
  for (const line of readProjectFile(file).split('\n')) {
    if (/^```/.test(line)) inFence = !inFence;
    const heading = !inFence && HEADING.exec(line);
    if (heading) found.add(anchorOf(heading[2]));
  }
  return found;
}

/** The cells of a Markdown table's rows under `heading` (header row first), backticks kept. */
export function tableUnder(file: string, heading: string): string[][] {
  const lines = readProjectFile(file).split('\n');
  const start = lines.findIndex((line) => HEADING.exec(line)?.[2] === heading);
  if (start === -1) throw new Error(`${file}: no heading "${heading}"`);
  const rows: string[][] = [];
  for (let index = start + 1; index < lines.length && !HEADING.test(lines[index]); index++) {
    const line = lines[index].trim();
    if (!line.startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    if (/^\|[\s|:-]+\|$/.test(line)) continue; // the separator row
    rows.push(line.slice(1, -1).split('|').map((cell) => cell.trim()));
  }
  return rows;
}
