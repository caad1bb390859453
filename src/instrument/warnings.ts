// What instrumentEmail tells the CRM about the email it returns (contract
// section 3), so the CRM can tell the author before the email goes out.
export enum InstrumentWarning {
  /** the instrumented HTML is over Gmail's 102 KB clip: the rest, pixel included, hides behind "View entire message" */
  GMAIL_CLIP_RISK = 'GMAIL_CLIP_RISK',
  /** more trackable links than EMAIL_TRACKING_MAX_LINKS: the first ones are tracked, the rest left as they are */
  LINKS_CAPPED = 'LINKS_CAPPED',
}
