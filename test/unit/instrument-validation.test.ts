// The pure parts of instrumentEmail: input rules and normalisation, and the
// delivery headers (the integration tests drive the same rules through GraphQL).
import { listUnsubscribeHeaders, mailgunVariables } from '../../src/instrument/delivery-headers';
import { checkEmail, checkId, MAX_BODY_BYTES, validateInstrumentInput } from '../../src/instrument/validation';
import { refusal } from './helpers/refusal';

const minimal = { senderId: 's', contactId: 'c', recipientEmail: 'a@example.com' };


describe('validateInstrumentInput', () => {
  it('turns absent fields into null and consent into true by default', () => {
    expect(validateInstrumentInput(minimal)).toEqual({
      ...minimal,
      senderTeamId: null,
      subject: null,
      html: null,
      text: null,
      campaignId: null,
      campaignName: null,
      templateId: null,
      templateName: null,
      enrollmentId: null,
      stepIndex: null,
      unsubscribeUrl: null,
      messageId: null,
      trackingConsent: true,
    });
    expect(validateInstrumentInput({ ...minimal, trackingConsent: false }).trackingConsent).toBe(false);
  });

  it('strips the angle brackets of a Message-Id, keeping a bare one as it is', () => {
    expect(validateInstrumentInput({ ...minimal, messageId: '<a.b@example.com>' }).messageId).toBe('a.b@example.com');
    expect(validateInstrumentInput({ ...minimal, messageId: 'a.b@example.com' }).messageId).toBe('a.b@example.com');
  });

  it('reserves the template id "ad-hoc" for sends without a template', () => {
    expect(refusal(() => validateInstrumentInput({ ...minimal, templateId: 'ad-hoc' }))).toMatch(/^templateId "ad-hoc" is reserved/);
    expect(validateInstrumentInput({ ...minimal, templateId: 'ad-hoc-2' }).templateId).toBe('ad-hoc-2');
  });

  it('names the field in every refusal', () => {
    expect(refusal(() => validateInstrumentInput({ ...minimal, stepIndex: -1 }))).toBe('stepIndex must be 0 or more');
    expect(refusal(() => validateInstrumentInput({ ...minimal, enrollmentId: '' }))).toBe('enrollmentId must not be empty');
    expect(refusal(() => validateInstrumentInput({ ...minimal, html: 'x'.repeat(MAX_BODY_BYTES + 1) }))).toMatch(/^html is larger/);
    expect(refusal(() => validateInstrumentInput({ ...minimal, unsubscribeUrl: 'data:,x' }))).toMatch(/^unsubscribeUrl must be/);
  });

  it('counts UTF-8 bytes only when the character count leaves it open', () => {
    expect(validateInstrumentInput({ ...minimal, html: '\u{1F600}'.repeat(MAX_BODY_BYTES / 4) }).html).toHaveLength(MAX_BODY_BYTES / 2);
    expect(refusal(() => validateInstrumentInput({ ...minimal, html: `${'\u{1F600}'.repeat(MAX_BODY_BYTES / 4)}x` }))).toMatch(/^html/);
  });
});

describe('the id and email rules', () => {
  it.each(['a', 'x'.repeat(200), 'with space', 'ünï', '0'])('accepts the id %j', (id) => {
    expect(checkId('contactId', id)).toBe(id);
  });

  it.each(['', ' ', 'x'.repeat(201), '\u0000', 'a\u007f', ' a', 'a\n', '\udc00'])('refuses the id %j', (id) => {
    expect(refusal(() => checkId('contactId', id))).toMatch(/^contactId /);
  });

  it.each(['a@example.com', 'first.last+tag@sub.example.co.uk', 'ü@exämple.de', 'x@xn--p1ai.xn--p1ai'])('accepts %s', (email) => {
    expect(checkEmail('recipientEmail', email)).toBe(email);
  });

  it.each(['a', 'a@', '@b.c', 'a@b', 'a@b.1', 'a@b..c', 'a.@b.c', 'a b@c.de', 'a@[1.2.3.4]', '"a"@b.cd', 'a@-b.cd'])('refuses %j', (email) => {
    expect(refusal(() => checkEmail('recipientEmail', email))).toMatch(/^recipientEmail /);
  });
});

describe('delivery headers', () => {
  it('gives Mailgun the send and the organisation', () => {
    expect(mailgunVariables('acme', 'id-1')).toEqual({ send_id: 'id-1', org_id: 'acme' });
  });

  it('writes List-Unsubscribe, and List-Unsubscribe-Post for http(s) only', () => {
    expect(listUnsubscribeHeaders(null)).toEqual({});
    expect(listUnsubscribeHeaders('https://e.com/u?a=1')).toEqual({
      'List-Unsubscribe': '<https://e.com/u?a=1>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(listUnsubscribeHeaders('mailto:u@e.com')).toEqual({ 'List-Unsubscribe': '<mailto:u@e.com>' });
  });
});
