// The GraphQL documents the Stats page sends: the dashboard (cards, both
// tables and the whole view's timeline) per range, one drill-down per
// campaign or template, and the pages of a row's recipients.

// The same figures wherever a row of stats is shown.
const FIGURES = `fragment Figures on EngagementStats {
  sends untrackedSends opened clicked failed opens clicks mppOpens botOpens botClicks
  openRate clickRate humanOpenRate mppShare clickToOpenRate lastSentAt
}`;

// Bucketed in the reader's time zone, so a "day" is the reader's day.
const TIMELINE = 'timeline(range: $range, timeZone: $timeZone) { at opens clicks mppOpens botOpens botClicks }';

// One request per range: the cards and both tables, so flipping between
// campaigns and templates needs no round trip. Nested stats inherit the range.
export const DASHBOARD_QUERY = `query StatsDashboard($range: RangeInput, $timeZone: String!) {
  viewer { userId orgId role team }
  overview(range: $range) { ...Figures }
  ${TIMELINE}
  campaigns(range: $range) { id name stats { ...Figures } }
  templates(range: $range) { id name stats { ...Figures } }
}
${FIGURES}`;

const TITLES = { campaign: 'Campaign', template: 'Template' };

// A row's drill-down; a campaign also has its per-template sub-totals.
const detailQuery = (kind) => `query ${TITLES[kind]}Detail($id: ID!, $range: RangeInput, $timeZone: String!) {
  ${kind}(id: $id) {
    id name
    stats(range: $range) { ...Figures }
    ${TIMELINE}
    links(range: $range) { url name clicks uniqueClicks }
    ${kind === 'campaign' ? 'templates(range: $range) { template { id name } stats { ...Figures } }' : ''}
  }
}
${FIGURES}`;

export const CAMPAIGN_QUERY = detailQuery('campaign');
export const TEMPLATE_QUERY = detailQuery('template');

/** One page of a campaign's or template's recipients, after a row's cursor; with `link`, those who clicked it. */
export const recipientsQuery = (kind) => `query ${TITLES[kind]}Recipients(
  $id: ID!, $range: RangeInput, $limit: Int!, $after: String, $filter: RecipientFilter!, $link: String
) {
  ${kind}(id: $id) {
    recipients(range: $range, limit: $limit, after: $after, filter: $filter, link: $link) {
      cursor sendId contactId email sentAt opens clicks mppOpens firstOpenedAt lastClickedAt
    }
  }
}`;

// The Live panel: the latest events of the view, then the same as they happen
// (over /graphql/stream, graphql-sse's protocol).
const ACTIVITY_FIELDS = 'id type occurredAt sendId campaignId templateId contactId email subject source counted bot botReason mpp url';

export const ACTIVITY_QUERY = `query LatestActivity($campaignId: ID, $templateId: ID, $limit: Int!) {
  activity(campaignId: $campaignId, templateId: $templateId, limit: $limit) { ${ACTIVITY_FIELDS} }
}`;

export const LIVE_SUBSCRIPTION = `subscription LiveActivity($campaignId: ID, $templateId: ID) {
  activity(campaignId: $campaignId, templateId: $templateId) { ${ACTIVITY_FIELDS} }
}`;
