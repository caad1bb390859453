// Query.contact: scoped to the organisation, and for senders to the contacts
// they have emailed at the contact's address; enrollments through one batched loader.
import { ContactDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql, gqlRaw } from '../support/graphql-client';
import { insertContact, insertEnrollment } from '../support/mailgun';
import { insertSend } from '../support/sends';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function contactWithHistory() {
  const orgId = uniqueOrg('contact');
  await insertContact(t.app.db, orgId, 'c-1', 'ada@example.com');
  const first = await insertEnrollment(t.app.db, orgId, 'c-1', 'camp-1');
  const second = await insertEnrollment(t.app.db, orgId, 'c-1', null);
  await t.app.db.query(`UPDATE enrollments SET status = 'UNENROLLED', created_at = now() + interval '1 second' WHERE org_id = $1 AND id = $2`, [orgId, second]);
  await insertSend(t.app.db, { orgId, contactId: 'c-1', senderId: 'rep-1', email: 'Ada@Example.com' });
  return { orgId, first, second };
}

it('shows an admin the contact, its status and its enrollments', async () => {
  const { orgId, first, second } = await contactWithHistory();
  const result = await gql(t.url, ContactDocument, { id: 'c-1' }, await tokenFor(orgId, 'admin-1', 'admin'));
  expect(result.data?.contact).toEqual({
    id: 'c-1',
    email: 'ada@example.com',
    status: 'ACTIVE',
    enrollments: [
      { id: first, campaignId: 'camp-1', status: 'ACTIVE' },
      { id: second, campaignId: null, status: 'UNENROLLED' },
    ],
  });
});

it('shows a sales rep only contacts it has sent to, at their address', async () => {
  const { orgId } = await contactWithHistory();
  await insertContact(t.app.db, orgId, 'c-2', 'grace@example.com');
  await insertSend(t.app.db, { orgId, contactId: 'c-2', senderId: 'rep-2', email: 'grace@example.com' });
  await insertContact(t.app.db, orgId, 'c-3', 'linus@example.com');
  await insertSend(t.app.db, { orgId, contactId: 'c-3', senderId: 'rep-1', email: 'guess@example.com' });
  const rep = await tokenFor(orgId, 'rep-1', 'sales_rep');
  expect((await gql(t.url, ContactDocument, { id: 'c-1' }, rep)).data?.contact?.email).toBe('ada@example.com');
  expect((await gql(t.url, ContactDocument, { id: 'c-2' }, rep)).data?.contact).toBeNull();
  // naming a contact id with another address shows nothing of the contact
  expect((await gql(t.url, ContactDocument, { id: 'c-3' }, rep)).data?.contact).toBeNull();
  const member = await tokenFor(orgId, 'someone', 'member');
  expect((await gql(t.url, ContactDocument, { id: 'c-1' }, member)).data?.contact).toBeNull();
});

it('never shows another organisation its contacts, nor unknown ones', async () => {
  const { orgId } = await contactWithHistory();
  const stranger = await tokenFor(uniqueOrg('other'), 'admin-1', 'admin');
  expect((await gql(t.url, ContactDocument, { id: 'c-1' }, stranger)).data?.contact).toBeNull();
  const admin = await tokenFor(orgId, 'admin-1', 'admin');
  expect((await gql(t.url, ContactDocument, { id: 'nope' }, admin)).data?.contact).toBeNull();
});

it('loads the enrollments of many contacts in one query', async () => {
  const orgId = uniqueOrg('contact');
  for (const id of ['a', 'b', 'c']) {
    await insertContact(t.app.db, orgId, id);
    await insertEnrollment(t.app.db, orgId, id, `camp-${id}`);
  }
  const admin = await tokenFor(orgId, 'admin-1', 'admin');
  const query = `{ a: contact(id: "a") { enrollments { campaignId } } b: contact(id: "b") { enrollments { campaignId } } c: contact(id: "c") { enrollments { campaignId } } }`;
  const queries = jest.spyOn(t.app.db, 'query');
  const result = await gqlRaw<Record<string, { enrollments: { campaignId: string }[] }>>(t.url, query, {}, admin);
  const statements = queries.mock.calls.map(([sql]) => sql);
  queries.mockRestore();
  expect(statements.filter((sql) => sql.includes('FROM enrollments'))).toHaveLength(1);
  expect(statements.filter((sql) => sql.includes('FROM contacts'))).toHaveLength(1);
  expect(result.data).toEqual({
    a: { enrollments: [{ campaignId: 'camp-a' }] },
    b: { enrollments: [{ campaignId: 'camp-b' }] },
    c: { enrollments: [{ campaignId: 'camp-c' }] },
  });
});

it('refuses callers without a token', async () => {
  expect(errorCodes(await gql(t.url, ContactDocument, { id: 'c-1' }))).toEqual(['UNAUTHENTICATED']);
});
