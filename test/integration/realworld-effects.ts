// What contract section 6 says each published Mailgun event does, for the
// real-world replay (webhook-realworld.test.ts): the send's, contact's and
// enrollment's state afterwards, and the tracking events recorded.
export type Effect = 'bounce' | 'deferral' | 'complaint' | 'unsubscribe' | 'delivery' | 'open' | 'open-mpp' | 'click' | 'ignored' | 'malformed';

// Keyed by file (or Events API page item); legacy bounced and dropped are permanent failures.
export const EFFECTS: Record<string, Effect> = {
  'anymail__accepted-delivery-status-null.json': 'ignored',
  'anymail__clicked-minimal.json': 'click',
  'anymail__complained.json': 'complaint',
  'anymail__delivered.json': 'delivery',
  'anymail__failed-permanent-bounce.json': 'bounce',
  'anymail__failed-temporary-generic.json': 'deferral',
  'anymail__failed-temporary-greylisted.json': 'deferral',
  'anymail__opened.json': 'open',
  'anymail__rejected-sandbox.json': 'ignored',
  'anymail__unsubscribed.json': 'unsubscribe',
  'anymail__legacy-bounced-550.form.urlencoded': 'bounce',
  'anymail__legacy-bounced-enhanced-code-5.1.1.form.urlencoded': 'bounce',
  'anymail__legacy-clicked-custom-variables.form.urlencoded': 'click',
  'anymail__legacy-clicked-user-variable-key-conflicts.form.urlencoded': 'click',
  'anymail__legacy-delivered-x-mailgun-tag.form.urlencoded': 'delivery',
  'anymail__legacy-delivered-x-mailgun-variables.form.urlencoded': 'delivery',
  'anymail__legacy-delivered.form.urlencoded': 'delivery',
  'anymail__legacy-dropped-old-499.form.urlencoded': 'bounce',
  'anymail__legacy-dropped-previously-bounced-605.form.urlencoded': 'bounce',
  'anymail__legacy-dropped-spam-607.form.urlencoded': 'bounce',
  'anymail__legacy-inbound-posted-to-tracking-url.form.urlencoded': 'malformed',
  'anymail__legacy-inbound-route-forward.form.urlencoded': 'malformed',
  'anymail__legacy-opened-multiple-tags.form.urlencoded': 'open',
  'appointmentguru__legacy-delivered-real-capture.form.urlencoded': 'delivery',
  'ghost__events-api-page-all-1.json#items[0]': 'delivery',
  'ghost__events-api-page-all-1.json#items[1]': 'deferral',
  'ghost__events-api-page-all-1.json#items[2]': 'bounce',
  'ghost__events-api-page-all-1.json#items[3]': 'unsubscribe',
  'invoiceninja__complained.json': 'complaint',
  'invoiceninja__delivered.json': 'delivery',
  'invoiceninja__failed-permanent-suppress-bounce.json': 'bounce',
  'invoiceninja__opened.json': 'open',
  'mailgun-docs-current__accepted.event-data.json': 'ignored',
  'mailgun-docs-current__clicked.event-data.json': 'click',
  'mailgun-docs-current__complained.event-data.json': 'complaint',
  'mailgun-docs-current__delivered.event-data.json': 'delivery',
  'mailgun-docs-current__failed-permanent.event-data.json': 'bounce',
  'mailgun-docs-current__failed-temporary.event-data.json': 'deferral',
  'mailgun-docs-current__opened-bot-apple.event-data.REPAIRED.json': 'open-mpp',
  'mailgun-docs-current__opened.event-data.json': 'open',
  'mailgun-docs-current__unsubscribed.event-data.json': 'unsubscribe',
  'mailgun-documentation-repo__accepted-routed.event-data.json': 'ignored',
  'mailgun-documentation-repo__accepted.event-data.json': 'ignored',
  'mailgun-documentation-repo__clicked.event-data.REPAIRED.json': 'click',
  'mailgun-documentation-repo__complained.event-data.REPAIRED.json': 'complaint',
  'mailgun-documentation-repo__delivered.event-data.json': 'delivery',
  'mailgun-documentation-repo__failed-permanent-delayed-bounce.event-data.REPAIRED.json': 'bounce',
  'mailgun-documentation-repo__failed-permanent-suppress-bounce.event-data.json': 'bounce',
  'mailgun-documentation-repo__failed-temporary.event-data.json': 'deferral',
  'mailgun-documentation-repo__opened.event-data.REPAIRED.json': 'open',
  'mailgun-documentation-repo__rejected.event-data.REPAIRED.json': 'ignored',
  'mailgun-documentation-repo__unsubscribed.event-data.REPAIRED.json': 'unsubscribe',
  'mailgun-go__accepted-nested-user-variables.event-data.json': 'ignored',
  'mailgun-go__accepted-user-variables-is-a-string.event-data.json': 'ignored',
  'oca-mail_tracking_mailgun__legacy-bounced.form.urlencoded': 'bounce',
  'oca-mail_tracking_mailgun__legacy-clicked.form.urlencoded': 'click',
  'oca-mail_tracking_mailgun__legacy-dropped.form.urlencoded': 'bounce',
  'oca-mail_tracking_mailgun__legacy-opened.form.urlencoded': 'open',
  'symfony__accepted.json': 'ignored',
  'symfony__clicks.json': 'click',
  'symfony__delivered_messages.json': 'delivery',
  'symfony__opens.json': 'open',
  'symfony__permanent_failure.json': 'bounce',
  'symfony__permanent_failure_no_description.json': 'bounce',
  'symfony__spam_complaints.json': 'complaint',
  'symfony__suppression_failure.json': 'bounce',
  'symfony__temporary_failure.json': 'deferral',
  'symfony__unsubscribes.json': 'unsubscribe',
};

/** statusSet: a delivery event set the send's status time (a delivery of a SENT send confirms it, changing nothing else). */
export const UNTOUCHED = { send: 'SENT', statusSet: false, contact: 'ACTIVE', enrollment: 'ACTIVE', events: [] };

export function expected(effect: Effect): Record<string, unknown> {
  const webhookEvent = (kind: string, mpp = false) => ({ ...UNTOUCHED, events: [{ kind, source: 'WEBHOOK', counted: true, bot: false, mpp }] });
  switch (effect) {
    case 'bounce': return { ...UNTOUCHED, send: 'FAILED', statusSet: true, contact: 'BOUNCED' };
    case 'deferral': return { ...UNTOUCHED, send: 'DEFERRED', statusSet: true };
    case 'delivery': return { ...UNTOUCHED, statusSet: true };
    case 'complaint': return { ...UNTOUCHED, contact: 'COMPLAINED', enrollment: 'UNENROLLED' };
    case 'unsubscribe': return { ...UNTOUCHED, contact: 'UNSUBSCRIBED' };
    case 'ignored': case 'malformed': return UNTOUCHED;
    case 'open': return webhookEvent('OPEN');
    case 'open-mpp': return webhookEvent('OPEN', true);
    case 'click': return webhookEvent('CLICK');
  }
}

