// Rule by rule (contract section 3), with exact expected output for each.
import {
  hasTemplateSyntax,
  isTrackableHref,
  rewriteHtml,
  type RewriteOptions,
  type RewriteResult,
} from '../../src/instrument/rewriter';

const PIXEL =
  '<img src="https://t.example/o.gif" width="1" height="1" alt="" style="position:absolute;display:block;width:1px;height:1px;max-width:0;max-height:0;border:0;margin:0;padding:0;overflow:hidden;" />';
const t = (position: number): string => `https://t.example/c/${position}`;

function rewrite(html: string, extra: Partial<RewriteOptions> = {}): RewriteResult {
  return rewriteHtml(html, { clickUrl: (_url, position) => t(position), pixelUrl: 'https://t.example/o.gif', ...extra });
}

/** Output for documents without `</body>`: the pixel is appended. */
function rewritten(html: string, extra: Partial<RewriteOptions> = {}): string {
  const { html: output } = rewrite(html, extra);
  expect(output.endsWith(PIXEL)).toBe(true);
  return output.slice(0, -PIXEL.length);
}

function urls(html: string, extra: Partial<RewriteOptions> = {}): string[] {
  return rewrite(html, extra).links.map((link) => link.url);
}

describe('rule 1: which hrefs are replaced and how the value is written', () => {
  it('replaces a double-quoted http(s) href and inserts the pixel before </body>', () => {
    const result = rewrite('<body><a href="https://example.com/x" class="b">Go</a></body></html>');
    expect(result.html).toBe(`<body><a href="${t(0)}" class="b">Go</a>${PIXEL}</body></html>`);
    expect(result.links).toEqual([{ position: 0, url: 'https://example.com/x', name: null }]);
  });

  it('passes original URL and position to clickUrl, in document order', () => {
    const calls: [string, number][] = [];
    rewrite('<a href="http://a.com/">a</a><a href="https://b.com/">b</a>', {
      clickUrl: (url, position) => (calls.push([url, position]), t(position)),
    });
    expect(calls).toEqual([['http://a.com/', 0], ['https://b.com/', 1]]);
  });

  it('matches tag and attribute names in any case and keeps their spelling', () => {
    expect(rewritten('<A HREF="http://e.com/">X</A><Area Href="http://e.com/m">')).toBe(
      `<A HREF="${t(0)}">X</A><Area Href="${t(1)}">`,
    );
  });

  it('keeps single quotes and escapes & and the quote for them', () => {
    expect(rewritten("<a href='https://e.com/'>x</a>")).toBe(`<a href='${t(0)}'>x</a>`);
    expect(rewritten("<a href='https://e.com/'>x</a>", { clickUrl: () => `https://t/?q='"&` })).toBe(
      `<a href='https://t/?q=&#39;"&amp;'>x</a>`,
    );
  });

  it('escapes & and " inside double quotes', () => {
    expect(rewritten('<a href="https://e.com/">x</a>', { clickUrl: () => `https://t/?q='"&` })).toBe(
      `<a href="https://t/?q='&quot;&amp;">x</a>`,
    );
  });

  it('keeps an unquoted value unquoted when safe, and quotes it otherwise', () => {
    expect(rewritten('<a href=https://e.com/a>x</a>')).toBe(`<a href=${t(0)}>x</a>`);
    expect(rewritten('<a href=https://e.com/a title=x>x</a>', { clickUrl: () => 'https://t/?a=1&b=2' })).toBe(
      '<a href="https://t/?a=1&amp;b=2" title=x>x</a>',
    );
  });

  it('handles spaces around = and before >', () => {
    expect(rewritten('<a  href = "https://e.com/"  >x</a><a href =\thttps://e.com/b >y</a>')).toBe(
      `<a  href = "${t(0)}"  >x</a><a href =\t${t(1)} >y</a>`,
    );
  });

  it('accepts an upper-case scheme and reports the URL as written', () => {
    const result = rewrite('<a href="HTTPS://E.COM/Path">x</a>');
    expect(result.html).toBe(`<a href="${t(0)}">x</a>${PIXEL}`);
    expect(result.links).toEqual([{ position: 0, url: 'HTTPS://E.COM/Path', name: null }]);
  });

  it('trims whitespace around the URL and replaces the whole value', () => {
    const result = rewrite('<a href=" \n\thttps://e.com/p \r\n">x</a>');
    expect(result.html).toBe(`<a href="${t(0)}">x</a>${PIXEL}`);
    expect(result.links[0]!.url).toBe('https://e.com/p');
  });

  it('decodes entities as a browser does in attributes', () => {
    expect(urls('<a href="https://e.com/?a=1&amp;b=2&#38;c=3&#x26;d=4">x</a>')).toEqual([
      'https://e.com/?a=1&b=2&c=3&d=4',
    ]);
    // `&amp` before a non-alphanumeric decodes; `&copy=` stays literal (it
    // could be a query parameter); a final `&copy` decodes.
    expect(urls('<a href="https://e.com/?a=1&amp&copy=2&copy">x</a>')).toEqual(['https://e.com/?a=1&&copy=2©']);
    expect(urls('<a href="&#104;ttps://e.com/&ampb=1">x</a>')).toEqual(['https://e.com/&ampb=1']);
    expect(urls('<a href="&#32;https://e.com/&#10;">x</a>')).toEqual(['https://e.com/']);
  });

  it('considers only the first of duplicate href attributes', () => {
    expect(rewritten('<a href="https://first.com/" href="https://second.com/">x</a>')).toBe(
      `<a href="${t(0)}" href="https://second.com/">x</a>`,
    );
    const untouched = '<a href="mailto:a@b.c" href="https://second.com/">x</a><a href HREF="https://third.com/">y</a>';
    expect(rewritten(untouched)).toBe(untouched);
  });

  it('rewrites <area> inside <map>', () => {
    expect(rewritten('<map name="m"><area shape="rect" coords="0,0,1,1" href="https://e.com/a"></map>')).toBe(
      `<map name="m"><area shape="rect" coords="0,0,1,1" href="${t(0)}"></map>`,
    );
  });

  it('treats <a ... /> as an open anchor, as HTML does', () => {
    expect(rewritten('<a href="https://e.com/" />Read</a>')).toBe(`<a href="${t(0)}" />Read</a>`);
    const unsubscribe = '<a href="https://e.com/" /> Unsubscribe here';
    expect(rewritten(unsubscribe)).toBe(unsubscribe);
  });

  it('keeps non-ASCII text and URLs intact', () => {
    const result = rewrite('<p>Grüße 😀 مرحبا</p><a href="https://例え.jp/パス?q=ü">日本語</a>');
    expect(result.html).toBe(`<p>Grüße 😀 مرحبا</p><a href="${t(0)}">日本語</a>${PIXEL}`);
    expect(result.links[0]!.url).toBe('https://例え.jp/パス?q=ü');
  });

  it('keeps lone surrogates, U+FFFD and NUL around and inside links', () => {
    const html = '\uD800x<a href="https://e.com/\uDC00\uFFFD">\u0000\uDBFF</a>\uFFFD';
    const result = rewrite(html);
    expect(result.html).toBe(`\uD800x<a href="${t(0)}">\u0000\uDBFF</a>\uFFFD${PIXEL}`);
    expect(result.links[0]!.url).toBe('https://e.com/\uDC00\uFFFD');
  });

  it('keeps CRLF line endings', () => {
    expect(rewrite('<body>\r\n<a\r\nhref="https://e.com/"\r\n>x</a>\r\n</body>\r\n').html).toBe(
      `<body>\r\n<a\r\nhref="${t(0)}"\r\n>x</a>\r\n${PIXEL}</body>\r\n`,
    );
  });
});

describe('rule 2: links left untouched', () => {
  it('skips anchors carrying data-no-track or data-unsubscribe, with or without a value', () => {
    const html =
      '<a href="https://e.com/1" data-no-track>1</a><a DATA-NO-TRACK="false" href="https://e.com/2">2</a>' +
      '<a href="https://e.com/3" data-unsubscribe>3</a><area data-no-track href="https://e.com/4">';
    expect(rewritten(html)).toBe(html);
  });

  it('skips the unsubscribeUrl, compared after entity decoding and trimming', () => {
    const html = '<a href=" https://e.com/u?a=1&amp;b=2 ">Manage</a><a href="https://e.com/u?a=1">Other</a>';
    expect(rewritten(html, { unsubscribeUrl: 'https://e.com/u?a=1&b=2' })).toBe(
      `<a href=" https://e.com/u?a=1&amp;b=2 ">Manage</a><a href="${t(0)}">Other</a>`,
    );
    // given HTML-escaped by the caller, it still matches
    expect(urls(html, { unsubscribeUrl: 'https://e.com/u?a=1&amp;b=2' })).toEqual(['https://e.com/u?a=1']);
    expect(urls(html, { unsubscribeUrl: null })).toEqual(['https://e.com/u?a=1&b=2', 'https://e.com/u?a=1']);
  });

  it('skips URLs that mention unsubscribe, opt-out or optout in any case', () => {
    const html =
      '<a href="https://e.com/UnSubscribe">a</a><a href="https://e.com/?x=opt-out">b</a>' +
      '<a href="https://e.com/OPTOUT">c</a><a href="https://e.com/opt&#45;out">d</a>';
    expect(rewritten(html)).toBe(html);
  });

  it('skips anchors whose text says so, across nested tags and entities', () => {
    const html =
      '<a href="https://e.com/1">Un<b>sub</b><i>scribe</i></a>' +
      '<a href="https://e.com/2"><span>Opt&#45;Out</span></a>' +
      '<a href="https://e.com/3">click to OPT<!-- c -->OUT</a>';
    expect(rewritten(html)).toBe(html);
  });

  it('judges only the text up to </a>, the next <a>, or the end', () => {
    expect(rewritten('<a href="https://e.com/p">Preferences</a> or unsubscribe')).toBe(
      `<a href="${t(0)}">Preferences</a> or unsubscribe`,
    );
    expect(rewritten('<a href="https://e.com/1">One<a href="https://e.com/2">Unsubscribe</a>')).toBe(
      `<a href="${t(0)}">One<a href="https://e.com/2">Unsubscribe</a>`,
    );
    expect(rewritten('<a href="https://e.com/1">never closed')).toBe(`<a href="${t(0)}">never closed`);
    expect(rewritten('<a href="https://e.com/1">never closed, unsubscribe')).toBe(
      '<a href="https://e.com/1">never closed, unsubscribe',
    );
    // an end tag cut off by the end of a conditional comment never happened
    expect(rewritten('<!--[if mso]><a href="https://e.com/1">x</a <![endif]--> unsubscribe')).toBe(
      '<!--[if mso]><a href="https://e.com/1">x</a <![endif]--> unsubscribe',
    );
    expect(rewritten('<a href="https://e.com/1">x</a/> unsubscribe')).toBe(`<a href="${t(0)}">x</a/> unsubscribe`);
    // `</ a>` is a comment to a browser, so the anchor goes on
    expect(rewritten('<a href="https://e.com/1">x</ a>unsubscribe')).toBe(
      '<a href="https://e.com/1">x</ a>unsubscribe',
    );
  });

  it.each([
    ['mailto', 'mailto:a@e.com?subject=Hi&amp;body=x'],
    ['tel', 'tel:+15550100'],
    ['sms', 'sms:+15550100'],
    ['fragment', '#top'],
    ['root-relative', '/path/page'],
    ['relative', 'page.html?x=1'],
    ['scheme-relative', '//e.com/x'],
    ['empty', ''],
    ['blank', '  '],
    ['javascript', 'javascript:alert(1)'],
    ['ftp', 'ftp://e.com/f'],
    ['host-less http://', 'http://'],
    ['slash-less http:', 'http:e.com'],
    ['control character inside', 'https://e.com/a&#1;b'],
    ['scheme-less domain', 'facebook.com'],
  ])('leaves %s hrefs alone', (_kind, href) => {
    const html = `<a href="${href}">x</a><area href="${href}">`;
    expect(rewritten(html)).toBe(html);
  });

  it.each([
    ['Handlebars', '{{unsubscribe_url}}'],
    ['Handlebars inside a URL', 'https://e.com/?id={{contact.id}}'],
    ['Liquid/Jinja tag', 'https://e.com/{% url %}'],
    ['double percent', 'http://e.com/?ord=%%RANDOM%%'],
    ['Mailchimp', 'https://e.com/*|ARCHIVE|*'],
    ['ERB/EJS', 'https://e.com/<%= id %>'],
    ['template literal', 'https://e.com/${id}'],
    ['Ruby interpolation', 'https://e.com/#{id}'],
    ['double bracket', 'https://e.com/[[id]]'],
    ['Mailgun recipient variable', 'https://e.com/?n=%recipient.first_name%'],
    ['Mailgun variable', 'https://e.com/%unsubscribe_url%'],
    ['single-brace tag', 'https://e.com/{DONOTCONVERT}'],
    ['bracket tag', 'https://e.com/[webversion]'],
    ['angle tag', 'https://e.com/<DONOTCONVERT>'],
    ['dollar tag', 'https://e.com/?u=$email$'],
  ])('leaves %s placeholders alone', (_kind, href) => {
    const html = `<a href="${href.replace(/&/g, '&amp;').replace(/</g, '&lt;')}">x</a>`;
    expect(rewritten(html)).toBe(html);
  });

  it('does not mistake percent-encoding for a variable', () => {
    expect(urls('<a href="https://e.com/caf%C3%A9%20et%E2%80%99x">x</a>')).toEqual([
      'https://e.com/caf%C3%A9%20et%E2%80%99x',
    ]);
  });
});

describe('rule 3: conditional comments, comments and raw text', () => {
  it('rewrites <a> and VML hrefs inside Outlook conditional comments', () => {
    const html =
      '<!--[if gte mso 9]><v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" href="https://e.com/v" arcsize="8%">' +
      '<center>Go</center></v:roundrect><![endif]--><!--[if mso]><a href="https://e.com/m">M</a><![endif]-->' +
      '<!--[IF MSO 12]><V:RECT HREF="https://e.com/r" /><![endif]-->';
    expect(rewritten(html)).toBe(
      '<!--[if gte mso 9]><v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" href="https://t.example/c/0" arcsize="8%">' +
        '<center>Go</center></v:roundrect><![endif]--><!--[if mso]><a href="https://t.example/c/1">M</a><![endif]-->' +
        '<!--[IF MSO 12]><V:RECT HREF="https://t.example/c/2" /><![endif]-->',
    );
  });

  it('keeps at most 16 links waiting for their text, deciding the oldest early', () => {
    const shapes = Array.from({ length: 17 }, (_, i) => `<v:rect href="https://e.com/${i}">`).join('');
    const closes = '</v:rect>'.repeat(17);
    expect(rewritten(`${shapes}Unsubscribe${closes}`)).toBe(`${shapes.replace('https://e.com/0', t(0))}Unsubscribe${closes}`);
  });

  it('applies the text rule to VML shapes', () => {
    const html = '<!--[if mso]><v:roundrect href="https://e.com/v"><center>Opt out? Optout</center></v:roundrect><![endif]-->';
    expect(rewritten(html)).toBe(html);
  });

  it('rewrites downlevel-revealed markup as ordinary markup', () => {
    expect(rewritten('<!--[if !mso]><!--><a href="https://e.com/n">N</a><!--<![endif]-->')).toBe(
      `<!--[if !mso]><!--><a href="${t(0)}">N</a><!--<![endif]-->`,
    );
  });

  it('leaves ordinary and unterminated comments alone', () => {
    const html = '<!-- <a href="https://e.com/c">x</a> --><!----><!--><a href="https://e.com/x">y</a><!-- <a href="https://e.com/u">';
    expect(rewritten(html)).toBe(`<!-- <a href="https://e.com/c">x</a> --><!----><!--><a href="${t(0)}">y</a><!-- <a href="https://e.com/u">`);
  });

  it('leaves <a> inside style, script, title, textarea and xmp alone', () => {
    const html =
      '<title><a href="https://e.com/t">T</a></title><style>a[href="https://e.com/s"]{}</style>' +
      '<script>document.write(\'<a href="https://e.com/j">\')</script><textarea><a href="https://e.com/ta"></textarea>' +
      '<xmp><a href="https://e.com/x"></xmp><a href="https://e.com/after">A</a>';
    expect(rewritten(html)).toBe(html.replace('https://e.com/after', t(0)));
  });

  it('numbers links in document order even when decided out of order', () => {
    expect(rewritten('<a href="https://e.com/a"><map><area href="https://e.com/b"></map>text</a>')).toBe(
      `<a href="${t(0)}"><map><area href="${t(1)}"></map>text</a>`,
    );
  });
});

describe('rule 4: the open pixel', () => {
  it('goes before the last </body>, in any case', () => {
    expect(rewrite('<body>a</body>b</BODY >c').html).toBe(`<body>a</body>b${PIXEL}</BODY >c`);
    expect(rewrite('<body>a</body/>').html).toBe(`<body>a${PIXEL}</body/>`);
  });

  it('ignores </body> inside comments, conditional comments and raw text', () => {
    expect(
      rewrite('x</body><!-- </body> --><!--[if mso]></body><![endif]--><style></body></style><script></body></script>' +
        '<title></body></title><textarea></body></textarea>').html,
    ).toBe(
      `x${PIXEL}</body><!-- </body> --><!--[if mso]></body><![endif]--><style></body></style><script></body></script>` +
        '<title></body></title><textarea></body></textarea>',
    );
  });

  it('is appended when there is no real </body>', () => {
    expect(rewrite('<p>x</p>').html).toBe(`<p>x</p>${PIXEL}`);
    expect(rewrite('<p>x</p></ body>').html).toBe(`<p>x</p></ body>${PIXEL}`);
    expect(rewrite('<p>x</p></body').html).toBe(`<p>x</p></body${PIXEL}`);
    expect(rewrite('<p>x</p></body \n').html).toBe(`<p>x</p></body \n${PIXEL}`);
    expect(rewrite('').html).toBe(PIXEL);
  });

  it('escapes the pixel URL for its double quotes', () => {
    expect(rewrite('', { pixelUrl: 'https://t/o.gif?a=1&b="2"' }).html).toBe(
      '<img src="https://t/o.gif?a=1&amp;b=&quot;2&quot;" width="1" height="1" alt="" style="position:absolute;display:block;width:1px;height:1px;max-width:0;max-height:0;border:0;margin:0;padding:0;overflow:hidden;" />',
    );
  });
});

describe('rule 4: the trap link', () => {
  const TRAP =
    '<a href="https://t.example/c/trap" aria-hidden="true" tabindex="-1" style="display:none;mso-hide:all;"></a>';
  const withTrap = { trapUrl: 'https://t.example/c/trap' };

  it('goes right after the pixel, wherever the pixel goes', () => {
    expect(rewrite('<body>a</body></html>', withTrap).html).toBe(`<body>a${PIXEL}${TRAP}</body></html>`);
    expect(rewrite('<p>x</p>', withTrap).html).toBe(`<p>x</p>${PIXEL}${TRAP}`);
    expect(rewrite('', withTrap).html).toBe(`${PIXEL}${TRAP}`);
  });

  it('is no link of the email: no position, not in links, nothing renumbered', () => {
    const result = rewrite('<a href="https://e.com/a">a</a></body><a href="https://e.com/b">b</a>', withTrap);
    expect(result.html).toBe(`<a href="${t(0)}">a</a>${PIXEL}${TRAP}</body><a href="${t(1)}">b</a>`);
    expect(result.links).toEqual([{ position: 0, url: 'https://e.com/a', name: null }, { position: 1, url: 'https://e.com/b', name: null }]);
  });

  it('is left out without a trap URL', () => {
    expect(rewrite('<body>a</body>', { trapUrl: null }).html).toBe(`<body>a${PIXEL}</body>`);
  });

  it('escapes the trap URL for its double quotes', () => {
    expect(rewrite('', { trapUrl: 'https://t/c?a=1&b="2"' }).html).toBe(
      `${PIXEL}<a href="https://t/c?a=1&amp;b=&quot;2&quot;" aria-hidden="true" tabindex="-1" style="display:none;mso-hide:all;"></a>`,
    );
  });
});

describe('rule 7: broken and hostile input', () => {
  it.each([
    '<a href="https://e.com/',
    '<a href=https://e.com/',
    "<a href='https://e.com/'",
    '<a href="https://e.com/" ',
    '<!--[if mso]><a href="https://e.com/"',
    '<!--[if mso]>',
    '<!--[if mso]',
    '<',
    '</',
    '<!',
    '<![CDATA[',
    '&',
    '&#',
    '\u0000<a\u0000href=\u0000>',
    '<a href=">',
  ])('leaves an unterminated construct untouched: %j', (html) => {
    expect(rewritten(html)).toBe(html);
  });

  it('handles deeply nested conditional comments and huge hrefs quickly', () => {
    const nested = '<!--[if mso]>'.repeat(10_000) + '<a href="https://e.com/deep">x</a>';
    expect(() => rewrite(nested)).not.toThrow();
  });

  it.each(['*|', '|*', '{a', '[a', '<a', '$a', '%a', '%E2', '&amp', '&#'])(
    'stays linear on a 1 MB href repeating %j',
    (unit) => {
      const html = `<a href="https://e.com/${unit.repeat(Math.ceil(1e6 / unit.length))}">x</a>`;
      const started = Date.now();
      expect(() => rewrite(html)).not.toThrow();
      expect(Date.now() - started).toBeLessThan(1000);
    },
  );

  it('rewrites a large document in one pass', () => {
    const html = '<a href="https://e.com/x">x</a>'.repeat(100_000);
    const result = rewrite(html);
    expect(result.links).toHaveLength(100_000);
    expect(result.links[99_999]).toEqual({ position: 99_999, url: 'https://e.com/x', name: null });
  });
});

describe('isTrackableHref and hasTemplateSyntax', () => {
  it.each([
    ['https://e.com/', true],
    ['HTTP://E.COM', true],
    ['https://e.com/caf%C3%A9', true],
    ['https://e.com/unsubscribe', false],
    ['https://e.com/{{x}}', false],
    ['http://', false],
    ['https:/e.com', false],
    ['mailto:a@e.com', false],
    [' https://e.com/', false],
    ['https://e.com/a\tb', false],
  ])('isTrackableHref(%j) is %s', (url, expected) => {
    expect(isTrackableHref(url)).toBe(expected);
  });

  it.each([
    ['%%x%%', true],
    ['%name%', true],
    ['%E2%80%99', false],
    ['50%', false],
    ['a[0]', false],
    ['a[b]', true],
    ['{}', false],
    ['{$x}', true],
  ])('hasTemplateSyntax(%j) is %s', (url, expected) => {
    expect(hasTemplateSyntax(url)).toBe(expected);
  });
});
