// EngagementStats (contract section 5): the four cards over the visible sends
// in a range. The Stats tab counts tracked sends only: untracked ones (tracking
// off, plain text, consent declined) could never show an open, so they are
// counted apart rather than diluting the rates.
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType('EngagementStats')
export class EngagementStatsType {
  @Field(() => Int, { description: 'visible tracked sends in range' })
  sends!: number;

  @Field(() => Int, { description: 'visible untracked sends in range (tracking off, plain text or consent declined), in no other figure' })
  untrackedSends!: number;

  @Field(() => Int, { description: 'of the tracked sends, those with a counted open (MPP included) or a counted click' })
  opened!: number;

  @Field(() => Int, { description: 'of the tracked sends, those with at least one counted click' })
  clicked!: number;

  @Field(() => Int, { description: 'of the tracked sends, those with status FAILED' })
  failed!: number;

  @Field(() => Int, { description: 'counted opens' })
  opens!: number;

  @Field(() => Int, { description: 'counted clicks' })
  clicks!: number;

  @Field(() => Int, { description: 'counted opens fetched by Apple Mail Privacy Protection' })
  mppOpens!: number;

  @Field(() => Int, { description: 'opens recorded as a machine\'s (scanners, previewers, bots), never counted' })
  botOpens!: number;

  @Field(() => Int, { description: 'clicks recorded as a machine\'s (link scanners, bursts, the trap link), never counted' })
  botClicks!: number;

  @Field(() => Float, { description: 'opened / sends; 0 with no sends' })
  openRate!: number;

  @Field(() => Float, { description: 'clicked / sends; 0 with no sends' })
  clickRate!: number;

  @Field(() => Float, { description: 'sends with a counted non-MPP open or a counted click / sends; 0 with no sends' })
  humanOpenRate!: number;

  @Field(() => Float, { nullable: true, description: 'mppOpens / opens; null with no opens' })
  mppShare!: number | null;

  @Field(() => Float, { nullable: true, description: 'clicked / opened; null when nothing was opened' })
  clickToOpenRate!: number | null;

  @Field(() => Date, { nullable: true, description: 'the latest send time in range, tracked or not' })
  lastSentAt!: Date | null;
}
