// The query bounds (src/graphql/query-limits.ts) against the real schema: the
// portal's stats queries pass, abusive nestings of the stats lists do not.
import 'reflect-metadata';
import { getIntrospectionQuery, parse, print, type DocumentNode } from 'graphql';
import { buildBareSchema } from '../../src/graphql/schema';
import { queryLimitRefusals } from '../support/graphql-client';
import { CampaignDrillDownDocument, CampaignsFullDocument, OverviewDocument, TemplateDrillDownDocument, TemplatesFullDocument } from '../generated/graphql';

const problems = (document: DocumentNode, variables: Record<string, unknown> = {}) => queryLimitRefusals(buildBareSchema(), document, variables);

describe('query limits on the stats queries', () => {
  it.each([
    ['overview', OverviewDocument],
    ['campaigns with every nested field and recipients(limit: 50)', CampaignsFullDocument],
    ['templates with every nested field', TemplatesFullDocument],
    ['a campaign drill-down', CampaignDrillDownDocument],
    ['a template drill-down', TemplateDrillDownDocument],
  ])('let %s through', (_name, document) => {
    expect(problems(parse(print(document)))).toEqual([]);
  });

  it('refuses lists of lists of large recipient lists', () => {
    const abusive = parse(`{ campaigns { templates { template { recipients(limit: 500) { sendId email } } } } }`);
    expect(problems(abusive)).toEqual([expect.stringMatching(/^Query refused: estimated cost \d+ exceeds the limit of 20000$/)]);
  });

  it('refuses many aliased copies of the campaigns page', () => {
    const copies = Array.from({ length: 20 }, (_, i) => `c${i}: campaigns { id stats { sends } recipients(limit: 50) { sendId email } }`);
    expect(problems(parse(`{ ${copies.join(' ')} }`))).toEqual([expect.stringMatching(/estimated cost \d+ exceeds the limit/)]);
  });

  it('cost a recipients limit passed as a variable at its value: the audit passed $n = 1000 under every campaign', () => {
    const perCampaign = parse('query ($n: Int!) { campaigns { id recipients(limit: $n) { sendId email opens } } }');
    expect(problems(perCampaign, { n: 1000 })).toEqual([expect.stringMatching(/^Query refused: estimated cost \d+ exceeds the limit of 20000$/)]);
    expect(problems(parse('{ campaigns { id recipients(limit: 1000) { sendId email opens } } }'))).toEqual([expect.stringMatching(/exceeds the limit of 20000$/)]);
    expect(problems(perCampaign, { n: 20 })).toEqual([]);
    // one drill-down's page of 1,000 (the Stats page's CSV of every recipient) still passes
    expect(problems(parse(print(CampaignDrillDownDocument)), { id: 'c', limit: 1000, filter: 'ALL' })).toEqual([]);
  });

  it("let the explorer's full introspection through, but not many copies of it", () => {
    const full = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    expect(problems(parse(full))).toEqual([]);
    const body = full.slice(full.indexOf('__schema'), full.indexOf('fragment FullType'));
    const copies = Array.from({ length: 10 }, (_, i) => `s${i}: ${body.trim().replace(/\}\s*$/, '')}`).join('\n');
    const fragments = full.slice(full.indexOf('fragment FullType'));
    expect(problems(parse(`query { ${copies} }\n${fragments}`))).toEqual([expect.stringMatching(/estimated cost \d+ exceeds the limit of 20000$/)]);
  });

  it('count aliased introspection: 550 copies of __schema are refused', () => {
    const copies = Array.from({ length: 550 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`);
    expect(problems(parse(`{ ${copies.join(' ')} }`))).toEqual([expect.stringMatching(/^Query refused: 550 aliases exceed the limit of 30; estimated cost \d+ exceeds the limit of 20000$/)]);
  });
});
