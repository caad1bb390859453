// What instrumentEmail tells the CRM about the email it returns (contract
// section 3), so the CRM can tell the author before the email goes out.
export enum InstrumentWarning {
  /** the instrumented HTML is over Gmail's 102 KB clip: the rest, pixel included, hides behind "View entire message" */
  GMAIL_CLIP_RISK = 'GMAIL_CLIP_RISK',
  /** more trackable links than EMAIL_TRACKING_MAX_LINKS: the first ones are tracked, the rest left as they are */
  LINKS_CAPPED = 'LINKS_CAPPED',
}

/** What the instrumenter saw that decides the warnings; each warning reads its own facts. */
export interface WarningFacts {
  /** trackable links past EMAIL_TRACKING_MAX_LINKS were left as they are */
  linksCapped: boolean;
}

/** Rules in the enum's order, so the list reads the same whichever apply. */
const WARNING_RULES: ReadonlyArray<readonly [InstrumentWarning, (facts: WarningFacts) => boolean]> = [
  [InstrumentWarning.LINKS_CAPPED, (facts) => facts.linksCapped],
];

export function instrumentWarnings(facts: WarningFacts): InstrumentWarning[] {
  return WARNING_RULES.filter(([, applies]) => applies(facts)).map(([warning]) => warning);
}
