// A deliberately simple, regex-based second opinion on a document: which links
// the contract says to rewrite, where the last </body> is, and the counts
// MANIFEST.tsv records. Good enough for the corpus; it is not an HTML parser.
import { decodeHTML, decodeHTMLAttribute } from 'entities';

export interface OracleReport {
  /** decoded URLs of the links to rewrite, in document order */
  trackedUrls: string[];
  /** index of the last </body> outside comments and raw text, or -1 */
  lastBodyClose: number;
  // The MANIFEST.tsv columns, counted outside all comments.
  anchorTags: number;
  anchorsWithHref: number;
  mailtoOrTel: number;
  placeholderHrefs: number;
}

const TOKEN = new RegExp(
  [
    /<!--(?:-?>|([\s\S]*?)(?:-->|$))/.source, // 1: comment text
    String.raw`<(style|script|title|textarea|xmp)\b[^>]*>[\s\S]*?(?:<\/\2\s*>|$)`, // 2: raw-text element, skipped whole
    /<([A-Za-z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/.source, // 3: start tag name, 4: its attributes
    /<\/([A-Za-z][^\s/>]*)[^>]*>/.source, // 5: end tag name
  ].join('|'),
  'gi',
);
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
const CONDITIONAL = /^\[if [^\]]*\]>([\s\S]*?)(?:<!\[endif\])?$/i;
// MANIFEST.tsv's definition of template syntax.
const PLACEHOLDER = /\{\{|\{%|\{\w+\}|\*\|.*\|\*|%%|%[A-Za-z_][\w.]*%|<%|<\w+>|\$\{|#\{|\[\[|\[\w+\]|\$\w+\$/;
const UNSUBSCRIBE = /unsubscribe|opt-?out/i;

interface OpenLink {
  closedBy: string;
  url: string | null;
  text: string;
  at: number;
}

export function consultOracle(html: string, unsubscribeUrl: string | null): OracleReport {
  const report: OracleReport = {
    trackedUrls: [],
    lastBodyClose: -1,
    anchorTags: 0,
    anchorsWithHref: 0,
    mailtoOrTel: 0,
    placeholderHrefs: 0,
  };
  const decided: { at: number; url: string }[] = [];
  const open: OpenLink[] = [];
  const close = (closedBy: string): void => {
    const index = open.findIndex((link) => link.closedBy === closedBy);
    if (index === -1) return;
    const [link] = open.splice(index, 1);
    if (link!.url !== null && !UNSUBSCRIBE.test(link!.text)) decided.push({ at: link!.at, url: link!.url });
  };

  const walk = (markup: string, offset: number, inComment: boolean): void => {
    let textFrom = 0;
    for (const match of markup.matchAll(TOKEN)) {
      const text = markup.slice(textFrom, match.index);
      for (const link of open) link.text += decodeHTML(text);
      textFrom = match.index + match[0].length;
      const [, comment, , startName, attributes, endName] = match;
      if (comment !== undefined) {
        const conditional = CONDITIONAL.exec(comment);
        if (conditional) walk(conditional[1]!, offset + match.index + match[0].indexOf(conditional[1]!), true);
      } else if (startName !== undefined) {
        const name = startName.toLowerCase();
        if (name !== 'a' && name !== 'area' && !name.startsWith('v:')) continue;
        const attrs = [...attributes!.matchAll(ATTRIBUTE)].map((m) => [m[1]!.toLowerCase(), m[2] ?? m[3] ?? m[4]] as const);
        const rawHref = attrs.find(([attr]) => attr === 'href')?.[1];
        const url = rawHref === undefined ? '' : decodeHTMLAttribute(rawHref).trim();
        if (name === 'a' && !inComment) {
          report.anchorTags++;
          if (rawHref !== undefined) report.anchorsWithHref++;
          if (/^(mailto|tel):/i.test(url)) report.mailtoOrTel++;
          if (rawHref !== undefined && PLACEHOLDER.test(rawHref)) report.placeholderHrefs++;
        }
        const optedOut = attrs.some(([attr]) => attr === 'data-no-track' || attr === 'data-unsubscribe');
        const tracked =
          !optedOut && /^https?:\/\/[^/?#\s]/i.test(url) && !PLACEHOLDER.test(url) && !UNSUBSCRIBE.test(url) && url !== unsubscribeUrl;
        const at = offset + match.index;
        if (name === 'a') close('a');
        if (name === 'area' || (name !== 'a' && attributes!.trimEnd().endsWith('/'))) {
          if (tracked) decided.push({ at, url });
        } else {
          open.push({ closedBy: name, url: tracked ? url : null, text: '', at });
        }
      } else if (endName !== undefined) {
        const name = endName.toLowerCase();
        if (name === 'body' && !inComment) report.lastBodyClose = offset + match.index;
        close(name);
      }
    }
    const rest = markup.slice(textFrom);
    for (const link of open) link.text += decodeHTML(rest);
  };

  walk(html, 0, false);
  while (open.length > 0) close(open[0]!.closedBy);
  report.trackedUrls = decided.sort((a, b) => a.at - b.at).map((link) => link.url);
  return report;
}
