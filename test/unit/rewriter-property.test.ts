// Random HTML-ish documents built from the fragments that trip rewriters up: the
// rewrite never throws, and undoing its edits always gives the input back.
import fc from 'fast-check';
import { openPixelTag, rewriteHtml, trapLinkTag } from '../../src/instrument/rewriter';
import { decodedHref, diffRewrite, TRACKING_PREFIX } from './helpers/rewrite-diff';

const PIXEL_URL = 'https://t.example/track/open/p.gif';
const TRAP_URL = 'https://t.example/track/click/trap?q="&';

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const markupCharacter = fc.constantFrom('<', '>', '"', "'", '=', '&', '/', '!', '-', ' ', '\n', '\r\n', '\t', '\0', '[', ']', '%', '{', '}', 'a', 'v:');
const noise = fc.string({ unit: fc.oneof(markupCharacter, anyCodeUnit), maxLength: 8 });

const hrefValue = fc.oneof(
  fc.constantFrom(
    'https://e.com/a',
    'HTTPS://E.COM/B?x=1&amp;y=2',
    'http://e.com/&#38;&#x26;&amp&copy=1&copy',
    ' \n https://pad.com/ ',
    '&#104;ttps://e.com/',
    'https://e.com/ünï/😀',
    'https://e.com/\uD800',
    'mailto:a@e.com',
    'tel:1',
    '#top',
    '/relative',
    '',
    'http://',
    'javascript:x()',
    'https://e.com/{{x}}',
    'https://e.com/*|X|*',
    'https://e.com/%recipient.x%',
    'https://e.com/unsubscribe',
    'https://e.com/u',
  ),
  noise,
);
const attributeName = fc.constantFrom('href', 'HREF', 'Href', 'data-no-track', 'DATA-UNSUBSCRIBE', 'class', 'alt', 'x');
const attribute = fc.oneof(
  attributeName.map((name) => ` ${name}`),
  fc
    .tuple(attributeName, fc.constantFrom('=', ' = ', '=\n'), fc.constantFrom('"', "'", ''), hrefValue)
    .map(([name, equals, quote, value]) => ` ${name}${equals}${quote}${value}${quote}`),
);
const tagName = fc.constantFrom('a', 'A', 'area', 'AREA', 'v:roundrect', 'V:RECT', 'body', 'BODY', 'style', 'script', 'title', 'textarea', 'xmp', 'div', 'b', 'center');
const startTag = fc
  .tuple(tagName, fc.array(attribute, { maxLength: 4 }), fc.constantFrom('>', '/>', ' >', ' />', ''))
  .map(([name, attributes, end]) => `<${name}${attributes.join('')}${end}`);
const endTag = fc
  .tuple(fc.constantFrom('</', '</ ', '<\\/'), tagName, fc.constantFrom('>', ' >', '/>', ' x="1">', ''))
  .map(([open, name, end]) => `${open}${name}${end}`);
const special = fc.constantFrom(
  '<!--', '-->', '<!-- c -->', '<!---->', '<!-->', '--!>', '<!--[if mso]>', '<!--[if gte mso 9]>', '<![endif]-->',
  '<!--[if !mso]><!-->', '<!--<![endif]-->', '<![CDATA[', ']]>', '<!DOCTYPE html>', '<?xml version="1.0"?>',
  'unsubscribe', 'Opt-Out', '&amp;', '&amp', '&copy', '&#38;', '&#x26;', '&quot;', 'Grüße', '😀', '\uD800', '\uDC00',
  '\uFFFD', '</body>', '</BODY>',
);
// Well-formed links are rare among random fragments, so some are made on purpose.
const link = fc
  .tuple(
    fc.constantFrom('a', 'A', 'area', 'v:roundrect'),
    fc.constantFrom('"', "'", ''),
    fc.constantFrom('https://e.com/x', 'HTTP://E.COM/?a=1&amp;b=2', ' https://e.com/y\n', 'https://e.com/z?q=&quot;'),
    fc.array(attribute, { maxLength: 2 }),
    fc.constantFrom('>', '/>'),
  )
  .map(([name, quote, url, more, end]) => `<${name} href=${quote}${url}${quote}${more.join('')}${end}`);
const fragment = fc.oneof(
  { arbitrary: link, weight: 3 },
  { arbitrary: startTag, weight: 2 },
  { arbitrary: endTag, weight: 2 },
  { arbitrary: special, weight: 2 },
  { arbitrary: noise, weight: 2 },
);
const conditional = fc
  .tuple(fc.constantFrom('<!--[if mso]>', '<!--[if gte mso 9]>'), fc.array(fragment, { maxLength: 6 }))
  .map(([open, inner]) => `${open}${inner.join('')}<![endif]-->`);
const htmlish = fc
  .array(fc.oneof({ arbitrary: fragment, weight: 5 }, { arbitrary: conditional, weight: 1 }), { maxLength: 40 })
  .map((parts) => parts.join(''));

// Tracking URLs that are safe anywhere, and ones that need every kind of escaping.
const clickUrlStyle = fc.constantFrom(
  (position: number) => `${TRACKING_PREFIX}${position}`,
  (position: number) => `${TRACKING_PREFIX}${position}?q='"&<> =\``,
);

describe('rewriteHtml on random HTML-ish input', () => {
  it('only replaces href values and inserts one pixel (with its trap link), and each replacement maps back', () => {
    fc.assert(
      fc.property(htmlish, clickUrlStyle, fc.constantFrom(null, 'https://e.com/u'), fc.constantFrom(null, TRAP_URL), (input, trackingUrl, unsubscribeUrl, trapUrl) => {
        const result = rewriteHtml(input, {
          clickUrl: (_url, position) => trackingUrl(position),
          pixelUrl: PIXEL_URL,
          unsubscribeUrl,
          trapUrl,
        });
        const inserted = openPixelTag(PIXEL_URL) + (trapUrl === null ? '' : trapLinkTag(trapUrl));
        const diff = diffRewrite(input, result.html, inserted, trackingUrl);
        expect(diff.edits.map((edit) => edit.position)).toEqual(result.links.map((_link, index) => index));
        for (const edit of diff.edits) {
          const url = decodedHref(edit.rawValue);
          expect(result.links[edit.position]!.url).toBe(url);
          expect(url).not.toBe(unsubscribeUrl);
        }
        if (diff.pixelAt !== input.length) expect(input.slice(diff.pixelAt, diff.pixelAt + 6).toLowerCase()).toBe('</body');
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(markupCharacter, anyCodeUnit), maxLength: 300 }), (input) => {
        const result = rewriteHtml(input, { clickUrl: (_url, position) => `${TRACKING_PREFIX}${position}`, pixelUrl: PIXEL_URL });
        expect(result.html.length).toBeGreaterThanOrEqual(input.length);
      }),
      { numRuns: 3000 },
    );
  });
});
