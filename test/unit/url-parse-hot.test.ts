// Node 20's URL.canParse misreads one-byte (Latin-1) strings once V8 has
// optimised its caller: a link with ü or é stopped being trackable after a
// few thousand links, so a busy server left such links untracked. The rules
// must answer the same on the 20,000th call as on the first.
import { canParseUrl, isAbsoluteHttpUrl } from '../../src/instrument/link-rules';

const LATIN_1 = ['http://bücher.example/', 'https://café.example/menü?q=crème#été', 'http://jörg:geheim@bücher.example:8080/login'];
const NEVER = ['http://exa mple.com/', 'http://[::1/', 'http://ü:99999/'];

it.each(LATIN_1)('keeps %s parseable however hot the call', (url) => {
  let refused = 0;
  for (let i = 0; i < 20_000; i++) if (!isAbsoluteHttpUrl(url) || !canParseUrl(url)) refused++;
  expect(refused).toBe(0);
});

it.each(NEVER)('keeps refusing %s', (url) => {
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) if (canParseUrl(url)) accepted++;
  expect(accepted).toBe(0);
});
