// Breakdown rows as the API gives them: labels per dimension, rates over all
// the view's sends, zero rates for an empty view.
import { toBreakdownRow, type BreakdownSums } from '../../src/stats/breakdowns';

const sums = (key: string, viewSends: number): BreakdownSums => ({
  view: '',
  key,
  viewSends,
  sends: 4,
  opened: 3,
  clicked: 1,
  humanOpened: 2,
  opens: 7,
  clicks: 1,
  mppOpens: 5,
});

describe('toBreakdownRow', () => {
  it('divides by the view, not by the row', () => {
    expect(toBreakdownRow('MAILBOX_PROVIDER', sums('GMAIL', 10))).toEqual({
      key: 'GMAIL',
      label: 'Gmail',
      sends: 4,
      opened: 3,
      clicked: 1,
      openRate: 0.3,
      clickRate: 0.1,
      humanOpenRate: 0.2,
      opens: 7,
      clicks: 1,
      mppOpens: 5,
    });
  });

  it('labels each dimension; domains are their own label, erased addresses say so', () => {
    expect(toBreakdownRow('RECIPIENT_DOMAIN', sums('gmail.com', 10)).label).toBe('gmail.com');
    expect(toBreakdownRow('RECIPIENT_DOMAIN', sums('', 10)).label).toBe('Erased addresses');
    expect(toBreakdownRow('EMAIL_CLIENT', sums('APPLE_MPP', 10)).label).toBe('Apple Mail Privacy Protection (proxy)');
    expect(toBreakdownRow('DEVICE', sums('PROXY', 10)).label).toBe('Mail provider proxy');
    // A key no table knows (a client added later, read by an older server) is shown as it is.
    expect(toBreakdownRow('EMAIL_CLIENT', sums('NEW_CLIENT', 10)).label).toBe('NEW_CLIENT');
  });

  it('rates are 0 for a view without sends', () => {
    expect(toBreakdownRow('DEVICE', sums('DESKTOP', 0))).toMatchObject({ openRate: 0, clickRate: 0, humanOpenRate: 0 });
  });
});
