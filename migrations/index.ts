// Every migration, in order. Listed explicitly (not globbed) so the same list
// serves the compiled server, ts-node scripts and Jest.
import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { WebhookTokens1764200000000 } from './1764200000000-webhook-tokens';
import { StatsRollups1764300000000 } from './1764300000000-stats-rollups';
import { LinkStats1764300000001 } from './1764300000001-link-stats';
import { TriggerJoinSettings1764400000000 } from './1764400000000-trigger-join-settings';
import { MachineRulesAndConsent1764500000000 } from './1764500000000-machine-rules-and-consent';
import { EngagementFigures1764600000001 } from './1764600000001-engagement-figures';
import { SendActivity1764600000002 } from './1764600000002-send-activity';

export const migrations = [
  InitialSchema1764000000000,
  WebhookTokens1764200000000,
  StatsRollups1764300000000,
  LinkStats1764300000001,
  TriggerJoinSettings1764400000000,
  MachineRulesAndConsent1764500000000,
  EngagementFigures1764600000001,
  SendActivity1764600000002,
];
