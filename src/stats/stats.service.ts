// Stats for one request and one viewer: ranges resolved against one "now",
// and a DataLoader per (field, range) so every list field is one batched
// statement however many campaigns or templates ask for it.
import DataLoader from 'dataloader';
import type { App } from '../app';
import { senderScope, type Viewer } from '../auth/viewer';
import { badInput, unauthenticated } from '../errors';
import { recipientPages, visibleHeads, type DrillDownKind, type RecipientFilter, type RecipientRow } from './drill-down.repository';
import { EMPTY_SUMS, toEngagementStats, type EngagementStats } from './engagement';
import { AD_HOC_TEMPLATE_ID } from './ad-hoc';
import { viewBreakdownSums } from './breakdown-rollups.repository';
import type { BreakdownTarget } from './breakdown.repository';
import { MAX_BREAKDOWN_ROWS, toBreakdownRow, type BreakdownDimension, type BreakdownRow } from './breakdowns';
import { linkStats } from './link-stats.repository';
import { rangeKey, resolveRange, type RangeArgs, type StatsRange } from './range';
import { RecipientCursors, type CursorBinding, type RecipientPosition } from './recipient-cursor';
import { groupedSums, totalSums, type StatsScope } from './stats.repository';
import { timelinesOf, type TimelineArgs, type TimelinePoint } from './timeline-batch';
import type { TimelineTarget } from './timeline.repository';

export const DEFAULT_RECIPIENTS = 50;
export const MAX_RECIPIENTS = 1000;

export interface NamedHead {
  id: string;
  name: string | null;
}
export interface TemplateSubtotal {
  template: NamedHead;
  stats: EngagementStats;
}
export interface LinkStat {
  url: string;
  name: string | null;
  clicks: number;
  uniqueClicks: number;
}
export type Recipient = Omit<RecipientRow, 'key' | 'sentMicros'> & { cursor: string };

export interface RecipientArgs {
  limit: number;
  /** a row's cursor: the page starts after that row */
  after: string | null;
  filter: RecipientFilter;
  /** a LinkStat's name, or its url when it has no name: only the sends with a counted click on it */
  link?: string | null;
}

/** API template id -> rollup key, where '' is ad-hoc (an id '' names nothing and is refused before). */
const templateKeyOf = (id: string) => (id === AD_HOC_TEMPLATE_ID ? '' : id);
const templateIdOf = (key: string) => (key === '' ? AD_HOC_TEMPLATE_ID : key);

function groupBy<T extends { key: string }>(rows: readonly T[]): Map<string, T[]> {
  const byKey = new Map<string, T[]>();
  for (const row of rows) {
    const list = byKey.get(row.key);
    if (list) list.push(row);
    else byKey.set(row.key, [row]);
  }
  return byKey;
}

export class StatsService {
  /** Presets end at this instant for every field of the request, so nested figures agree. */
  readonly now = new Date();
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();
  private cursorCodec: RecipientCursors | null = null;

  constructor(
    private readonly app: App,
    private readonly viewer: Viewer | null,
  ) {}

  /** See resolveRange: no range means the parent's (`fallback`), else LAST_30_DAYS. */
  range(input: RangeArgs | null | undefined, fallback?: StatsRange): StatsRange {
    return resolveRange(input, this.now, fallback);
  }

  async overview(range: StatsRange): Promise<EngagementStats> {
    return toEngagementStats(await totalSums(this.app.readDb, this.scope(), range, { kind: 'all' }));
  }

  /** Campaigns with a visible send in range, newest last send first; their stats are kept for Campaign.stats. */
  async campaigns(range: StatsRange): Promise<NamedHead[]> {
    const rows = await groupedSums(this.app.readDb, this.scope(), range, { kind: 'with-campaign' }, 'campaign');
    const stats = this.statsLoader('campaign', range);
    for (const row of rows) stats.prime(row.campaignKey, toEngagementStats(row.sums));
    return rows.map((row) => ({ id: row.campaignKey, name: row.name }));
  }

  async templates(range: StatsRange): Promise<NamedHead[]> {
    const rows = await groupedSums(this.app.readDb, this.scope(), range, { kind: 'all' }, 'template');
    const stats = this.statsLoader('template', range);
    for (const row of rows) stats.prime(row.templateKey, toEngagementStats(row.sums));
    return rows.map((row) => ({ id: templateIdOf(row.templateKey), name: row.name }));
  }

  /** null unless the viewer may see at least one send of it. */
  async campaign(id: string): Promise<NamedHead | null> {
    if (id === '') return null;
    const head = await this.headLoader('campaign').load(id);
    return head && { id, name: head.name };
  }

  async template(id: string): Promise<NamedHead | null> {
    if (id === '') return null;
    const head = await this.headLoader('template').load(templateKeyOf(id));
    return head && { id, name: head.name };
  }

  /** A campaign's or a template's figures in range. */
  groupStats(kind: DrillDownKind, range: StatsRange, id: string): Promise<EngagementStats> {
    return this.statsLoader(kind, range).load(kind === 'template' ? templateKeyOf(id) : id);
  }

  /** The campaign's sends in range, per template (ad-hoc included). */
  campaignTemplates(range: StatsRange, id: string): Promise<TemplateSubtotal[]> {
    const loader = this.loader(`campaign-templates ${rangeKey(range)}`, async (ids) => {
      const rows = await groupedSums(this.app.readDb, this.scope(), range, { kind: 'campaigns', keys: ids }, 'campaign_template');
      const byCampaign = groupBy(rows.map((row) => ({ ...row, key: row.campaignKey })));
      return ids.map((campaignId) =>
        (byCampaign.get(campaignId) ?? []).map((row) => ({
          template: { id: templateIdOf(row.templateKey), name: row.name },
          stats: toEngagementStats(row.sums),
        })),
      );
    });
    return loader.load(id);
  }

  links(kind: DrillDownKind, range: StatsRange, id: string): Promise<LinkStat[]> {
    const loader = this.loader(`links ${kind} ${rangeKey(range)}`, async (keys) => {
      const byKey = groupBy(await linkStats(this.app.readDb, this.scope(), kind, range, keys));
      return keys.map((key) => (byKey.get(key) ?? []).map(({ url, name, clicks, uniqueClicks }) => ({ url, name, clicks, uniqueClicks })));
    });
    return loader.load(kind === 'template' ? templateKeyOf(id) : id);
  }

  /** Activity by event time of the visible tracked sends in range: the whole view ('all', id ''), a campaign or a template. */
  timeline(target: TimelineTarget, range: StatsRange, args: TimelineArgs, id: string): Promise<TimelinePoint[]> {
    const loader = this.loader(`timeline ${target} ${args.granularity} ${args.timeZone} ${rangeKey(range)}`, (keys) =>
      timelinesOf(this.app.readDb, this.scope(), target, range, args, keys),
    );
    return loader.load(target === 'template' ? templateKeyOf(id) : id);
  }

  /** The view's groups by a dimension, largest first: the whole view ('all', id ''), a campaign or a template. */
  breakdown(target: BreakdownTarget, range: StatsRange, by: BreakdownDimension, limit: number, id: string): Promise<BreakdownRow[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BREAKDOWN_ROWS) {
      throw badInput(`limit must be between 1 and ${MAX_BREAKDOWN_ROWS}`);
    }
    const loader = this.loader(`breakdown ${target} ${by} ${limit} ${rangeKey(range)}`, async (keys) => {
      const byView = new Map<string, BreakdownRow[]>();
      for (const sums of await viewBreakdownSums(this.app.readDb, this.scope(), target, range, by, keys, limit)) {
        const rows = byView.get(sums.view) ?? [];
        rows.push(toBreakdownRow(by, sums));
        byView.set(sums.view, rows);
      }
      return keys.map((key) => byView.get(key) ?? []);
    });
    return loader.load(target === 'template' ? templateKeyOf(id) : id);
  }

  /** A page of the tracked sends in range, newest first; `after` must be a cursor of this very list. */
  recipients(kind: DrillDownKind, range: StatsRange, { limit, after, filter, link = null }: RecipientArgs, id: string): Promise<Recipient[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECIPIENTS) {
      throw badInput(`limit must be between 1 and ${MAX_RECIPIENTS}`);
    }
    // JSON keeps a link holding spaces apart from the other parts of the loader's name.
    const loader = this.loader(`recipients ${kind} ${limit} ${filter} ${JSON.stringify([after, link])} ${rangeKey(range)}`, async (keys) => {
      const { orgId } = this.scope();
      // One binding per key, reused for every row's cursor of its list.
      const bindings = keys.map((key): CursorBinding => ({ orgId, kind, id: kind === 'template' ? templateIdOf(key) : key }));
      // Per key: a cursor minted for another list is that field's error only.
      let position: RecipientPosition | null = null;
      const problems = bindings.map((binding) => {
        if (after === null) return null;
        try {
          position = this.cursors.decode(binding, after);
          return null;
        } catch (error) {
          return error as Error;
        }
      });
      const valid = keys.filter((_, index) => problems[index] === null);
      const rows = valid.length === 0 ? [] : await recipientPages(this.app.readDb, this.scope(), kind, range, valid, { limit, filter, after: position, link });
      const byKey = groupBy(rows);
      return keys.map((key, index) => {
        const problem = problems[index];
        if (problem) return problem;
        const binding = bindings[index];
        // Spelled out rather than spread: a page makes up to 1,000 of these.
        return (byKey.get(key) ?? []).map((row) => ({
          cursor: this.cursors.encode(binding, { sentMicros: BigInt(row.sentMicros), sendId: row.sendId }),
          sendId: row.sendId,
          contactId: row.contactId,
          email: row.email,
          sentAt: row.sentAt,
          opens: row.opens,
          clicks: row.clicks,
          mppOpens: row.mppOpens,
          firstOpenedAt: row.firstOpenedAt,
          lastClickedAt: row.lastClickedAt,
        }));
      });
    });
    return loader.load(kind === 'template' ? templateKeyOf(id) : id);
  }

  private get cursors(): RecipientCursors {
    this.cursorCodec ??= new RecipientCursors(this.app.config.trackingSigningSecret);
    return this.cursorCodec;
  }

  private scope(): StatsScope {
    if (!this.viewer) throw unauthenticated('Authentication required');
    return { orgId: this.viewer.orgId, senderId: senderScope(this.viewer) };
  }

  private statsLoader(kind: DrillDownKind, range: StatsRange): DataLoader<string, EngagementStats> {
    return this.loader(`stats ${kind} ${rangeKey(range)}`, async (keys) => {
      const filter = kind === 'campaign' ? { kind: 'campaigns' as const, keys } : { kind: 'templates' as const, keys };
      const rows = await groupedSums(this.app.readDb, this.scope(), range, filter, kind);
      const byKey = new Map(rows.map((row) => [kind === 'campaign' ? row.campaignKey : row.templateKey, row.sums]));
      return keys.map((key) => toEngagementStats(byKey.get(key) ?? EMPTY_SUMS));
    });
  }

  private headLoader(kind: DrillDownKind): DataLoader<string, { name: string | null } | null> {
    return this.loader(`head ${kind}`, async (keys) => {
      const byKey = new Map((await visibleHeads(this.app.readDb, this.scope(), kind, keys)).map((head) => [head.key, head]));
      return keys.map((key) => byKey.get(key) ?? null);
    });
  }

  /** The request's loader of that name, created on first use. */
  private loader<V>(name: string, batch: (keys: readonly string[]) => Promise<(V | Error)[]>): DataLoader<string, V> {
    let loader = this.loaders.get(name) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = new DataLoader<string, V>(batch);
      this.loaders.set(name, loader as DataLoader<string, unknown>);
    }
    return loader;
  }
}
