// Every migration, in order. Listed explicitly (not globbed) so the same list
// serves the compiled server, ts-node scripts and Jest.
import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { WebhookTokens1764200000000 } from './1764200000000-webhook-tokens';
import { StatsRollups1764300000000 } from './1764300000000-stats-rollups';
import { LinkStats1764300000001 } from './1764300000001-link-stats';
import { TriggerJoinSettings1764400000000 } from './1764400000000-trigger-join-settings';
import { MachineRulesAndConsent1764500000000 } from './1764500000000-machine-rules-and-consent';
import { MessageIdLookup1764600000000 } from './1764600000000-message-id-lookup';
import { EngagementFigures1764600000001 } from './1764600000001-engagement-figures';
import { ContactPrivacyActions1764600000002 } from './1764600000002-contact-privacy-actions';
import { SendActivity1764600000003 } from './1764600000003-send-activity';
import { MachineClients1764700000000 } from './1764700000000-machine-clients';
import { WebhookCounted1764800000000 } from './1764800000000-webhook-counted';
import { MoveTriggersByRow1764900000000 } from './1764900000000-move-triggers-by-row';
import { FiguresWithoutTriggers1765000000000 } from './1765000000000-figures-without-triggers';
import { OutboundWebhooks1765030000000 } from './1765030000000-outbound-webhooks';
import { LiveActivity1765040000000 } from './1765040000000-live-activity';
import { Breakdowns1765050000000 } from './1765050000000-breakdowns';
import { LatestEventsIndex1765100000000 } from './1765100000000-latest-events-index';
import { BreakdownRollups1765110000000 } from './1765110000000-breakdown-rollups';
import { ClientBackfill1765150000000 } from './1765150000000-client-backfill';

export const migrations = [
  InitialSchema1764000000000,
  WebhookTokens1764200000000,
  StatsRollups1764300000000,
  LinkStats1764300000001,
  TriggerJoinSettings1764400000000,
  MachineRulesAndConsent1764500000000,
  MessageIdLookup1764600000000,
  EngagementFigures1764600000001,
  ContactPrivacyActions1764600000002,
  SendActivity1764600000003,
  MachineClients1764700000000,
  WebhookCounted1764800000000,
  MoveTriggersByRow1764900000000,
  FiguresWithoutTriggers1765000000000,
  OutboundWebhooks1765030000000,
  LiveActivity1765040000000,
  Breakdowns1765050000000,
  LatestEventsIndex1765100000000,
  BreakdownRollups1765110000000,
  ClientBackfill1765150000000,
];
