// The GraphQL documents the Stats page sends: the dashboard (cards and both
// tables) per range, and one drill-down per campaign or template.

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
