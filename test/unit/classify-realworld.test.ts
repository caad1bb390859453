// The user-agent rules against real user agents published by isbot, Matomo
// DeviceDetector, crawler-user-agents and email senders (../shared/realworld/
// user-agents, read in place; SOURCES.md there gives each line's origin).
// Every file is classified as one pixel per user agent; the measured rates are
// printed and held to the goals of issue 15.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RequestClassifier } from '../../src/events/classify';

const LISTS = path.resolve(__dirname, '../../../shared/realworld/user-agents');
const files = existsSync(LISTS) ? readdirSync(LISTS).filter((name) => name.endsWith('.txt')).sort() : [];
const classifier = new RequestClassifier({ extraBotPatterns: [], countGmailProxy: false });

/** One user agent a line; `#` lines are comments (SOURCES.md: strings are verbatim, never trimmed). */
const userAgentsOf = (file: string): string[] =>
  readFileSync(path.join(LISTS, file), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));

interface Measured {
  file: string;
  total: number;
  flagged: string[];
}

function measure(file: string): Measured {
  const userAgents = userAgentsOf(file);
  const flagged = userAgents.filter((userAgent) => classifier.classify('GET', userAgent, undefined, 'open').bot);
  return { file, total: userAgents.length, flagged };
}

const percent = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)} %`;
const humans = files.filter((file) => file.startsWith('humans__')).map(measure);
const namedBots = files.filter((file) => file.startsWith('bots__') && !file.startsWith('bots__ALL__')).map(measure);
const crawlerLists = files.filter((file) => file.startsWith('bots__ALL__')).map(measure);

function describeLists(body: () => void): void {
  if (files.length > 0) {
    describe(`the user-agent rules on the real-world lists at ${LISTS}`, body);
    return;
  }
  // Jest lists skipped suites only as a count: say so on the console too.
  console.warn(`user-agent lists not found at ${LISTS}: the real-world classifier tests are skipped`);
  describe.skip(`user-agent lists not found at ${LISTS}`, () => it('classifies the real-world user agents', () => undefined));
}

describeLists(() => {
  beforeAll(() => {
    const sum = (rows: Measured[], pick: (row: Measured) => number) => rows.reduce((total, row) => total + pick(row), 0);
    const line = (row: Measured, caught: number) => `  ${row.file.padEnd(62)} ${String(caught).padStart(5)} / ${String(row.total).padEnd(5)} ${percent(caught, row.total)}`;
    console.log(
      [
        'real browsers and mail clients flagged as bots (goal 0):',
        ...humans.map((row) => line(row, row.flagged.length)),
        `named email-relevant bots caught (goal >= 95 %): ${percent(sum(namedBots, (row) => row.flagged.length), sum(namedBots, (row) => row.total))} overall`,
        ...namedBots.map((row) => line(row, row.flagged.length)),
        'big crawler lists caught (goal >= 90 % each):',
        ...crawlerLists.map((row) => line(row, row.flagged.length)),
      ].join('\n'),
    );
  });

  it.each(humans.map((row) => [row.file, row] as const))('flags no real client of %s', (_file, row) => {
    expect(row.flagged).toEqual([]);
  });

  it.each(namedBots.map((row) => [row.file, row] as const))('catches at least 95 %% of %s', (_file, row) => {
    expect(row.flagged.length / row.total).toBeGreaterThanOrEqual(0.95);
  });

  it.each(crawlerLists.map((row) => [row.file, row] as const))('catches at least 90 %% of %s', (_file, row) => {
    expect(row.flagged.length / row.total).toBeGreaterThanOrEqual(0.9);
  });

  it("counts Apple's proxy as an MPP open, never a bot", () => {
    for (const userAgent of userAgentsOf('apple-mpp__proxy-user-agent.txt')) {
      expect(classifier.classify('GET', userAgent, undefined, 'open')).toEqual({ countable: true, bot: false, botReason: null, mpp: true });
    }
  });

  it("lets Gmail's image proxy follow EMAIL_TRACKING_COUNT_GMAIL_PROXY", () => {
    const counting = new RequestClassifier({ extraBotPatterns: [], countGmailProxy: true });
    for (const userAgent of userAgentsOf('proxies__gmail-googleimageproxy.txt')) {
      expect(classifier.classify('GET', userAgent, undefined, 'open').botReason).toBe('USER_AGENT');
      expect(counting.classify('GET', userAgent, undefined, 'open')).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
    }
  });
});
