// The page's only source of data: POST /graphql with the bearer token, the
// queries it sends, and the Range control's value as a RangeInput. Every
// failure becomes an ApiError whose kind tells the page what to do about it.
export class ApiError extends Error {
  /** kind: 'unauthenticated' | 'forbidden' | 'bad-input' | 'network' | 'server' */
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

const KINDS = { UNAUTHENTICATED: 'unauthenticated', FORBIDDEN: 'forbidden', BAD_USER_INPUT: 'bad-input' };

export async function graphql(token, query, variables) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('network', 'The server could not be reached. Check that it is running, then try again.');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('server', `The server answered ${response.status} without GraphQL data.`);
  }
  const [error] = body.errors ?? [];
  if (error) throw new ApiError(KINDS[error.extensions?.code] ?? 'server', error.message);
  if (!body.data) throw new ApiError('server', `The server answered ${response.status} without data.`);
  return body.data;
}

// The same figures wherever a row of stats is shown.
const FIGURES = `fragment Figures on EngagementStats {
  sends opened clicked failed opens mppOpens openRate clickRate humanOpenRate mppShare lastSentAt
}`;

// One request per range: the cards and both tables, so flipping between
// campaigns and templates needs no round trip. Nested stats inherit the range.
export const DASHBOARD_QUERY = `query StatsDashboard($range: RangeInput) {
  viewer { userId orgId role team }
  overview(range: $range) { ...Figures }
  campaigns(range: $range) { id name stats { ...Figures } }
  templates(range: $range) { id name stats { ...Figures } }
}
${FIGURES}`;

const RECIPIENTS = `recipients(range: $range, limit: 50) {
  sendId email sentAt opens clicks mppOpens firstOpenedAt lastClickedAt
}`;

export const CAMPAIGN_QUERY = `query CampaignDetail($id: ID!, $range: RangeInput) {
  campaign(id: $id) {
    id name
    stats(range: $range) { ...Figures }
    links(range: $range) { url clicks uniqueClicks }
    templates(range: $range) { template { id name } stats { ...Figures } }
    ${RECIPIENTS}
  }
}
${FIGURES}`;

export const TEMPLATE_QUERY = `query TemplateDetail($id: ID!, $range: RangeInput) {
  template(id: $id) {
    id name
    stats(range: $range) { ...Figures }
    links(range: $range) { url clicks uniqueClicks }
    ${RECIPIENTS}
  }
}
${FIGURES}`;

// The Range control's value as the API's RangeInput, with words for it.
// Custom dates are whole days in the reader's time zone; "to" is the last day
// included, so the API's exclusive end is the midnight after it.
const PRESETS = {
  LAST_7_DAYS: 'last 7 days',
  LAST_30_DAYS: 'last 30 days',
  LAST_90_DAYS: 'last 90 days',
  ALL_TIME: 'all time',
};

const midnight = (value, plusDays = 0) => {
  const [year, month, date] = value.split('-').map(Number);
  return new Date(year, month - 1, date + plusDays);
};

/**
 * { input, label } for the API and the captions, or { problem } when custom
 * dates cannot make a range. `from` and `to` are <input type=date> values.
 */
export function resolveRange(preset, from, to) {
  if (preset !== 'CUSTOM') return { input: { preset }, label: PRESETS[preset] };
  if (!from && !to) return { problem: 'Choose a From date, a To date, or both.' };
  if (from && to && from > to) return { problem: 'The From date must be on or before the To date.' };
  const input = {};
  if (from) input.from = midnight(from).toISOString();
  if (to) input.to = midnight(to, 1).toISOString();
  if (input.from && !input.to && midnight(from) > new Date()) return { problem: 'The From date is in the future.' };
  const label = from && to ? `${from} to ${to}` : from ? `since ${from}` : `until ${to}`;
  return { input, label };
}
