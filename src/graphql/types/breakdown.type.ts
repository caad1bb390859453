// BreakdownRow, BreakdownDimension and the arguments of every breakdown field
// (contract section 13): the view's tracked sends in range grouped by the
// recipient's mailbox provider or domain, or its counted events by the mail
// client or device that made them.
import { ArgsType, Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BREAKDOWN_DIMENSIONS, DEFAULT_BREAKDOWN_ROWS, type BreakdownDimension } from '../../stats/breakdowns';
import { RangeInput } from './range.input';

export const BreakdownDimensionEnum = Object.fromEntries(BREAKDOWN_DIMENSIONS.map((dimension) => [dimension, dimension])) as {
  [D in BreakdownDimension]: D;
};
registerEnumType(BreakdownDimensionEnum, {
  name: 'BreakdownDimension',
  description:
    'MAILBOX_PROVIDER and RECIPIENT_DOMAIN group sends by the address they went to (fixed at send time); ' +
    'EMAIL_CLIENT and DEVICE group counted opens and clicks by the client that made them',
});

@ObjectType('BreakdownRow', { description: 'One group of a breakdown; every rate is over all the sends of the view' })
export class BreakdownRowType {
  @Field({ description: 'GMAIL, gmail.com, APPLE_MPP, PROXY...; "" for the erased addresses of RECIPIENT_DOMAIN' })
  key!: string;

  @Field({ description: 'the key as the Stats page shows it' })
  label!: string;

  @Field(() => Int, { description: 'providers and domains: the sends of the group; clients and devices: the sends with a counted open or click from it' })
  sends!: number;

  @Field(() => Int, { description: 'providers and domains: sends with a counted open or click; clients and devices: sends with a counted open from it' })
  opened!: number;

  @Field(() => Int, { description: 'sends with a counted click (from it, for clients and devices)' })
  clicked!: number;

  @Field(() => Float, { description: "opened / the view's sends" })
  openRate!: number;

  @Field(() => Float, { description: "clicked / the view's sends" })
  clickRate!: number;

  @Field(() => Float, { description: "sends with a counted open that was not Apple MPP's, or a counted click / the view's sends" })
  humanOpenRate!: number;

  @Field(() => Int, { description: 'counted opens' })
  opens!: number;

  @Field(() => Int, { description: 'counted clicks' })
  clicks!: number;

  @Field(() => Int, { description: 'counted opens fetched by Apple Mail Privacy Protection' })
  mppOpens!: number;
}

/** Query.breakdown, Campaign.breakdown and Template.breakdown take the same arguments. */
@ArgsType()
export class BreakdownArgsType {
  @Field(() => BreakdownDimensionEnum)
  by!: BreakdownDimension;

  @Field(() => RangeInput, { nullable: true, description: 'which sends, by send time' })
  range?: RangeInput | null;

  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_BREAKDOWN_ROWS, description: 'rows, largest first: 1 to 100' })
  limit?: number | null;
}
