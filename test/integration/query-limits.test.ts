// The query limits as the server applies them (contract section 2): a limit
// passed as a variable is costed at its value, introspection counts like any
// other field and, in production, needs a token. Each of these passed on the
// audited build.
import { getIntrospectionQuery } from 'graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gqlRaw } from '../support/graphql-client';

const PER_CAMPAIGN = 'query ($n: Int!) { campaigns { id recipients(limit: $n) { sendId email } } }';
const FULL_INTROSPECTION = getIntrospectionQuery();

describe('a production server', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production' });
    token = await tokenFor(uniqueOrg(), 'u1', 'admin');
  });
  afterAll(async () => t.close());

  it('costs a variable limit at its value: $n = 1000 under every campaign is refused before it runs', async () => {
    const refused = await gqlRaw(t.url, PER_CAMPAIGN, { n: 1000 }, token);
    expect(refused.status).toBe(400);
    expect(errorCodes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(refused.errors?.[0].message).toMatch(/^Query refused: estimated cost \d+ exceeds the limit of 20000$/);
    expect(refused.data).toBeNull();
    const small = await gqlRaw(t.url, PER_CAMPAIGN, { n: 10 }, token);
    expect(small.errors).toBeUndefined();
    expect(small.data).toEqual({ campaigns: [] });
  });

  it("refuses aliased introspection over the alias bound, and the audit's 550 copies as too long a document", async () => {
    const copies = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `s${i}: __schema { types { name fields { name } } }`).join(' ')} }`;
    const forty = await gqlRaw(t.url, copies(40), {}, token);
    expect(forty.status).toBe(400);
    expect(forty.errors?.[0].message).toMatch(/^Query refused: 40 aliases exceed the limit of 30/);
    const audit = await gqlRaw(t.url, copies(550), {}, token);
    expect(audit.status).toBe(400);
    expect(audit.errors?.[0].message).toBe('Syntax Error: Document contains more that 2000 tokens. Parsing aborted.');
  });

  it('answers introspection to a token only', async () => {
    const anonymous = await gqlRaw(t.url, FULL_INTROSPECTION);
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(anonymous)).not.toContain('instrumentEmail');
    const typeByName = await gqlRaw(t.url, '{ __type(name: "Mutation") { fields { name } } }');
    expect(errorCodes(typeByName)).toEqual(['UNAUTHENTICATED']);
    const withToken = await gqlRaw<{ __schema: { types: { name: string }[] } }>(t.url, FULL_INTROSPECTION, {}, token);
    expect(withToken.errors).toBeUndefined();
    expect(withToken.data?.__schema.types.map((type) => type.name)).toContain('InstrumentedEmail');
    // __typename is no introspection of the schema
    expect((await gqlRaw(t.url, '{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});

describe('outside production', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('answers introspection without a token, for local tools', async () => {
    const anonymous = await gqlRaw<{ __schema: { queryType: { name: string } } }>(t.url, FULL_INTROSPECTION);
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data?.__schema.queryType.name).toBe('Query');
  });
});
