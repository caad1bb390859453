// Breakdown rows as the API gives them: each group's figures and its label,
// rates over all the view's sends (contract section 13). Pure.
import { CLIENT_LABELS, DEVICE_LABELS, type Device, type MailClient } from '../breakdowns/client-keys';
import { PROVIDER_LABELS, type MailboxProvider } from '../breakdowns/mailbox-providers';

export const BREAKDOWN_DIMENSIONS = ['MAILBOX_PROVIDER', 'RECIPIENT_DOMAIN', 'EMAIL_CLIENT', 'DEVICE'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

/** An erased address keeps its provider and loses its domain: its sends are grouped under this key. */
export const ERASED_DOMAIN = '';

/** One group's sums as the breakdown SQL returns them. */
export interface BreakdownSums {
  /** the view: '' for the whole organisation, else the campaign's or template's key */
  view: string;
  key: string;
  /** the view's tracked sends in range, every group together: what the rates are over */
  viewSends: number;
  sends: number;
  opened: number;
  clicked: number;
  humanOpened: number;
  opens: number;
  clicks: number;
  mppOpens: number;
}

export const DEFAULT_BREAKDOWN_ROWS = 20;
export const MAX_BREAKDOWN_ROWS = 100;

export interface BreakdownRow {
  key: string;
  label: string;
  sends: number;
  opened: number;
  clicked: number;
  openRate: number;
  clickRate: number;
  humanOpenRate: number;
  opens: number;
  clicks: number;
  mppOpens: number;
}

function labelOf(by: BreakdownDimension, key: string): string {
  switch (by) {
    case 'MAILBOX_PROVIDER':
      return PROVIDER_LABELS[key as MailboxProvider] ?? key;
    case 'RECIPIENT_DOMAIN':
      return key === ERASED_DOMAIN ? 'Erased addresses' : key;
    case 'EMAIL_CLIENT':
      return CLIENT_LABELS[key as MailClient] ?? key;
    case 'DEVICE':
      return DEVICE_LABELS[key as Device] ?? key;
  }
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

export function toBreakdownRow(by: BreakdownDimension, sums: BreakdownSums): BreakdownRow {
  return {
    key: sums.key,
    label: labelOf(by, sums.key),
    sends: sums.sends,
    opened: sums.opened,
    clicked: sums.clicked,
    openRate: rate(sums.opened, sums.viewSends),
    clickRate: rate(sums.clicked, sums.viewSends),
    humanOpenRate: rate(sums.humanOpened, sums.viewSends),
    opens: sums.opens,
    clicks: sums.clicks,
    mppOpens: sums.mppOpens,
  };
}
