// Tracked emails sent through instrumentEmail, the requests their readers'
// mail clients make, and the consent and erasure calls, for the privacy-*
// integration tests.
import type { DataSource } from 'typeorm';
import { ForgetContactDocument, SetContactTrackingConsentDocument, type InstrumentEmailInput } from '../generated/graphql';
import { tokenFor, type TestApp } from './app';
import { gql } from './graphql-client';
import { clickTokens, emailInput, instrument, PIXEL_URL, trapTokens } from './instrument';
import type { TestSend } from './sends';

export const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
export const LINKS = ['https://example.com/pricing', 'https://example.com/docs?a=1&b=2'];
const HTML = `<html><body><a href="${LINKS[0]}">Pricing</a> <a href="${LINKS[1].replace('&', '&amp;')}">Docs</a></body></html>`;

export interface TrackedEmail extends TestSend {
  contactId: string;
}

/** One tracked email with the two links, as the CRM sends it; the tokens are those in its HTML. */
export async function sendTrackedEmail(t: TestApp, orgId: string, input: Partial<InstrumentEmailInput> = {}): Promise<TrackedEmail> {
  const email = emailInput({ html: HTML, ...input });
  const result = await instrument(t.url, await tokenFor(orgId, 'crm', 'service'), email);
  const sent = result.data?.instrumentEmail;
  if (!sent?.tracked || !sent.html) throw new Error(`expected a tracked email, got ${JSON.stringify(result)}`);
  const [pixel] = [...sent.html.matchAll(PIXEL_URL)];
  return {
    orgId,
    sendId: sent.sendId,
    contactId: String(email.contactId),
    openToken: pixel![1]!,
    clickTokens: clickTokens(sent.html),
    trapToken: trapTokens(sent.html)[0]!,
  };
}

let ipCounter = 0;
const nextIp = () => `198.51.100.${(ipCounter++ % 250) + 1}`;

export function openPixel(t: TestApp, send: TestSend): Promise<Response> {
  return fetch(`${t.url}/track/open/${send.openToken}.gif`, { headers: { 'user-agent': BROWSER, 'x-forwarded-for': nextIp() } });
}

export function followLink(t: TestApp, send: TestSend, position = 0): Promise<Response> {
  return fetch(`${t.url}/track/click/${send.clickTokens[position]}`, {
    redirect: 'manual',
    headers: { 'user-agent': BROWSER, 'x-forwarded-for': nextIp() },
  });
}

export async function setConsent(t: TestApp, orgId: string, contactId: string, consent: boolean, role: 'owner' | 'admin' | 'service' = 'admin') {
  return gql(t.url, SetContactTrackingConsentDocument, { contactId, consent }, await tokenFor(orgId, `${role}-1`, role));
}

export async function forget(t: TestApp, orgId: string, contactId: string, role: 'owner' | 'admin' | 'service' = 'admin') {
  return gql(t.url, ForgetContactDocument, { contactId }, await tokenFor(orgId, `${role}-1`, role));
}

export async function rawEventCount(db: DataSource, sends: readonly TestSend[]): Promise<number> {
  const [row]: { n: number }[] = await db.query(
    `SELECT count(*)::int AS n FROM tracking_events e JOIN unnest($1::text[], $2::uuid[]) AS k(org_id, send_id)
       ON e.org_id = k.org_id AND e.send_id = k.send_id`,
    [sends.map((send) => send.orgId), sends.map((send) => send.sendId)],
  );
  return row!.n;
}
