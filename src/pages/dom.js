// DOM building and formatting shared by both pages. Text goes in through
// textContent only (el), never innerHTML: names, emails and URLs come from
// the CRM and from emails, and must never become markup.

// Numbers and dates as the reader's locale writes them (Intl), in the
// browser's time zone. Rates carry one decimal, so 12.3 % and 12.5 % stay
// apart on a row of similar campaigns.
const integer = new Intl.NumberFormat(undefined);
const percent = new Intl.NumberFormat(undefined, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const moment = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatCount = (value) => integer.format(value);
export const formatRate = (value) => (value === null || value === undefined ? '–' : percent.format(value));
export const formatDay = (iso) => (iso ? day.format(new Date(iso)) : '–');
export const formatMoment = (iso) => (iso ? moment.format(new Date(iso)) : '–');

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}
