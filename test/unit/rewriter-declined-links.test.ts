// clickUrl may decline a link (null): the instrumenter does so for URLs too long
// to travel in a token. A declined link stays byte for byte as it was, and the
// positions of the links that are rewritten stay contiguous.
import { openPixelTag, rewriteHtml } from '../../src/instrument/rewriter';

const PIXEL_URL = 'https://t.example/o.gif';

function rewriteDeclining(html: string, declined: (url: string) => boolean) {
  const seen: [string, number][] = [];
  const result = rewriteHtml(html, {
    pixelUrl: PIXEL_URL,
    clickUrl: (url, position) => {
      seen.push([url, position]);
      return declined(url) ? null : `https://t.example/c/${position}`;
    },
  });
  return { ...result, seen };
}

describe('rewriteHtml with links declined by clickUrl', () => {
  it('leaves a declined link untouched and numbers the others without a gap', () => {
    const html = '<a href="https://e.com/1">1</a><a href=\'https://e.com/long?a=1&amp;b=2\'>2</a><a href=https://e.com/3>3</a></body>';
    const result = rewriteDeclining(html, (url) => url.includes('long'));
    expect(result.html).toBe(
      '<a href="https://t.example/c/0">1</a><a href=\'https://e.com/long?a=1&amp;b=2\'>2</a>' +
        `<a href=https://t.example/c/1>3</a>${openPixelTag(PIXEL_URL)}</body>`,
    );
    expect(result.links).toEqual([
      { position: 0, url: 'https://e.com/1', name: null },
      { position: 1, url: 'https://e.com/3', name: null },
    ]);
    // the declined link was offered position 1, which the next link then took
    expect(result.seen).toEqual([
      ['https://e.com/1', 0],
      ['https://e.com/long?a=1&b=2', 1],
      ['https://e.com/3', 1],
    ]);
  });

  it('still inserts the pixel when every link is declined, before or after them', () => {
    const before = '<p>x</p></body><a href="https://e.com/after">a</a>';
    expect(rewriteDeclining(before, () => true).html).toBe(`<p>x</p>${openPixelTag(PIXEL_URL)}</body><a href="https://e.com/after">a</a>`);
    const after = '<a href="https://e.com/before">b</a>';
    const result = rewriteDeclining(after, () => true);
    expect(result.html).toBe(`${after}${openPixelTag(PIXEL_URL)}`);
    expect(result.links).toEqual([]);
  });
});
