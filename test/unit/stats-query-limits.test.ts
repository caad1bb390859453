// The query bounds (src/graphql/query-limits.ts) against the real schema: the
// portal's stats queries pass, abusive nestings of the stats lists do not.
import 'reflect-metadata';
import { parse, print, validate, type DocumentNode } from 'graphql';
import { buildBareSchema } from '../../src/graphql/schema';
import { queryLimitsRule } from '../../src/graphql/query-limits';
import { CampaignDrillDownDocument, CampaignsFullDocument, OverviewDocument, TemplateDrillDownDocument, TemplatesFullDocument } from '../generated/graphql';

const problems = (document: DocumentNode) => validate(buildBareSchema(), document, [queryLimitsRule()]).map((error) => error.message);

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
});
