// data-track-name (contract section 3 rule 7): the name a link's figures are
// grouped under is read from the anchor, and the attribute stays in the HTML.
import { MAX_TRACK_NAME_LENGTH } from '../../src/instrument/link-rules';
import { rewriteHtml } from '../../src/instrument/rewriter';

const rewrite = (html: string) => rewriteHtml(html, { pixelUrl: 'https://t.example/o.gif', clickUrl: (_url, position) => `https://t.example/c/${position}` });

describe('data-track-name', () => {
  it('names the link and stays in the HTML, byte for byte', () => {
    const html = '<p><a data-track-name="Buy now" href="https://shop.example/p?c=123&amp;u=9">Buy</a> <a href="https://e.com/x">x</a></p>';
    const result = rewrite(html);
    expect(result.links).toEqual([
      { position: 0, url: 'https://shop.example/p?c=123&u=9', name: 'Buy now' },
      { position: 1, url: 'https://e.com/x', name: null },
    ]);
    expect(result.html.startsWith('<p><a data-track-name="Buy now" href="https://t.example/c/0">Buy</a> <a href="https://t.example/c/1">x</a></p>')).toBe(true);
  });

  it('reads any quoting and any case of the attribute, decodes entities and trims', () => {
    const result = rewrite(
      `<a DATA-TRACK-NAME='  Caf&eacute; &amp; more ' href="https://e.com/1">1</a>` +
        '<a href="https://e.com/2" data-track-name=hero>2</a>' +
        '<area href="https://e.com/3" data-track-name="Map">',
    );
    expect(result.links.map((link) => link.name)).toEqual(['Café & more', 'hero', 'Map']);
  });

  it('an empty or blank name, or none, leaves the link grouped by URL; the first of two names counts', () => {
    const result = rewrite(
      '<a data-track-name href="https://e.com/1">1</a><a data-track-name="  " href="https://e.com/2">2</a>' +
        '<a data-track-name="first" data-track-name="second" href="https://e.com/3">3</a>',
    );
    expect(result.links.map((link) => link.name)).toEqual([null, null, 'first']);
  });

  it('names links inside Outlook conditional comments and VML too', () => {
    const html = '<!--[if mso]><v:roundrect href="https://e.com/cta" data-track-name="CTA"></v:roundrect><![endif]--><a href="https://e.com/cta?x=1" data-track-name="CTA">Go</a>';
    expect(rewrite(html).links.map(({ url, name }) => [url, name])).toEqual([
      ['https://e.com/cta', 'CTA'],
      ['https://e.com/cta?x=1', 'CTA'],
    ]);
  });

  it('a name says nothing about tracking: an unsubscribe link or data-no-track stays untracked', () => {
    const result = rewrite('<a data-track-name="Leave" href="https://e.com/unsubscribe">u</a><a data-no-track data-track-name="n" href="https://e.com/n">n</a>');
    expect(result.links).toEqual([]);
  });

  it('keeps at most MAX_TRACK_NAME_LENGTH characters, never splitting a character', () => {
    const long = '😀'.repeat(MAX_TRACK_NAME_LENGTH + 10);
    const [link] = rewrite(`<a data-track-name="${long}" href="https://e.com/1">1</a>`).links;
    expect(Array.from(link!.name!)).toHaveLength(MAX_TRACK_NAME_LENGTH);
    expect(link!.name).toBe('😀'.repeat(MAX_TRACK_NAME_LENGTH));
  });
});
