// Every email of the shared corpus (../shared/corpus/emails, read in place): the
// rewrite changes nothing but tracked href values and one inserted pixel (with
// its trap link), maps each tracking URL back to its original, and agrees with
// a simple oracle.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openPixelTag, rewriteHtml, trapLinkTag, type RewriteResult } from '../../src/instrument/rewriter';
import { consultOracle } from './helpers/link-oracle';
import { decodedHref, diffRewrite, TRACKING_PREFIX } from './helpers/rewrite-diff';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/emails');
const PIXEL_URL = 'https://t.example/track/open/pixel.gif';
const TRAP_URL = 'https://t.example/track/click/trap';
const trackingUrl = (position: number): string => `${TRACKING_PREFIX}${position}`;

const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((name) => name.endsWith('.html')).sort() : [];

function readManifest(): Map<string, Record<string, string>> {
  const [header, ...rows] = readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8').trimEnd().split('\n');
  const columns = header!.split('\t');
  return new Map(
    rows.map((row) => {
      const cells = row.split('\t');
      return [cells[0]!, Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? '']))];
    }),
  );
}

// latin1 maps each byte to one code unit, so invalid UTF-8 (premailer-ruby's
// ISO-8859 files) survives byte for byte; unsubscribeUrl matches a corpus link.
const variants = [
  { encoding: 'utf8', unsubscribeUrl: null, trapUrl: TRAP_URL },
  { encoding: 'latin1', unsubscribeUrl: null, trapUrl: TRAP_URL },
  { encoding: 'utf8', unsubscribeUrl: 'https://example.com', trapUrl: null },
] as const;

type Variant = (typeof variants)[number];

function rewriteCorpusFile(file: string, { encoding, unsubscribeUrl, trapUrl }: Variant): { input: string; result: RewriteResult } {
  const input = readFileSync(path.join(CORPUS, file), encoding);
  const result = rewriteHtml(input, { clickUrl: (_url, position) => trackingUrl(position), pixelUrl: PIXEL_URL, unsubscribeUrl, trapUrl });
  return { input, result };
}

// Without the corpus the suite shows up as skipped, naming where it looked,
// and says so on the console too: jest lists skipped suites only as a count.
function describeCorpus(body: () => void): void {
  if (files.length > 0) {
    describe(`rewriting the email corpus at ${CORPUS}`, body);
    return;
  }
  console.warn(`corpus not found at ${CORPUS}: the corpus rewrite tests are skipped`);
  describe.skip(`corpus not found at ${CORPUS}`, () => it('rewrites every corpus email', () => undefined));
}

describeCorpus(() => {
  describe.each(variants)('read as $encoding, unsubscribeUrl $unsubscribeUrl, trap $trapUrl', (variant) => {
    it.each(files)('%s', (file) => {
      const { input, result } = rewriteCorpusFile(file, variant);
      // (a) only href values and the pixel (with its trap) changed; undoing them gives the input
      const inserted = openPixelTag(PIXEL_URL) + (variant.trapUrl === null ? '' : trapLinkTag(variant.trapUrl));
      const diff = diffRewrite(input, result.html, inserted, trackingUrl);
      expect(diff.edits.map((edit) => edit.position)).toEqual(result.links.map((_link, index) => index));
      expect(result.links.map((link) => link.position)).toEqual(result.links.map((_link, index) => index));
      // (b) each tracking URL leads back to the decoded, trimmed original
      for (const edit of diff.edits) expect(result.links[edit.position]!.url).toBe(decodedHref(edit.rawValue));
      // (c) exactly the links a separate, simple reading says to track, and the pixel where it says
      const oracle = consultOracle(input, variant.unsubscribeUrl);
      expect(result.links.map((link) => link.url)).toEqual(oracle.trackedUrls);
      expect(diff.pixelAt).toBe(oracle.lastBodyClose === -1 ? input.length : oracle.lastBodyClose);
    });
  });

  it('tracks a plausible number of links overall, fewer when example.com is the unsubscribe link', () => {
    const total = (variant: Variant): number =>
      files.reduce((sum, file) => sum + rewriteCorpusFile(file, variant).result.links.length, 0);
    const [utf8, latin1, withUnsubscribe] = variants.map(total);
    expect(utf8).toBeGreaterThan(80);
    expect(latin1).toBe(utf8);
    // five postmark/mailmason files link https://example.com once each
    expect(withUnsubscribe).toBe(utf8! - 5);
  });

  describe('the oracle agrees with MANIFEST.tsv', () => {
    const manifest = readManifest();

    it('lists every corpus file', () => {
      expect([...manifest.keys()].sort()).toEqual(files);
    });

    it.each(files)('%s', (file) => {
      const row = manifest.get(file)!;
      const oracle = consultOracle(readFileSync(path.join(CORPUS, file), 'utf8'), null);
      expect({
        anchors: oracle.anchorTags,
        withHref: oracle.anchorsWithHref,
        mailtoOrTel: oracle.mailtoOrTel,
        placeholders: oracle.placeholderHrefs,
        bodyClose: oracle.lastBodyClose !== -1,
      }).toEqual({
        anchors: Number(row['n_anchor_tags']),
        withHref: Number(row['n_with_href']),
        mailtoOrTel: Number(row['n_mailto_tel']),
        placeholders: Number(row['n_placeholder_hrefs']),
        bodyClose: row['has_body_close'] === 'yes',
      });
    });
  });
});
