// The GraphQL documents the Stats page sends: the dashboard (cards and both
// tables) per range, one drill-down per campaign or template, and the pages
// of a row's recipients.

// The same figures wherever a row of stats is shown.
const FIGURES = `fragment Figures on EngagementStats {
  sends untrackedSends opened clicked failed opens clicks mppOpens botOpens botClicks
  openRate clickRate humanOpenRate mppShare clickToOpenRate lastSentAt
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

export const CAMPAIGN_QUERY = `query CampaignDetail($id: ID!, $range: RangeInput) {
  campaign(id: $id) {
    id name
    stats(range: $range) { ...Figures }
      links(range: $range) { url clicks uniqueClicks }
    templates(range: $range) { template { id name } stats { ...Figures } }
  }
}
${FIGURES}`;

export const TEMPLATE_QUERY = `query TemplateDetail($id: ID!, $range: RangeInput) {
  template(id: $id) {
    id name
    stats(range: $range) { ...Figures }
      links(range: $range) { url clicks uniqueClicks }
  }
}
${FIGURES}`;

/** One page of a campaign's or template's recipients, after a row's cursor. */
export const recipientsQuery = (kind) => `query ${kind === 'campaign' ? 'Campaign' : 'Template'}Recipients(
  $id: ID!, $range: RangeInput, $limit: Int!, $after: String, $filter: RecipientFilter!
) {
  ${kind}(id: $id) {
    recipients(range: $range, limit: $limit, after: $after, filter: $filter) {
      cursor sendId contactId email sentAt opens clicks mppOpens firstOpenedAt lastClickedAt
    }
  }
}`;
