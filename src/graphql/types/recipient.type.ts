// Recipient and RecipientFilter (contract section 5): one tracked send with
// its own counters, and which of them a page keeps.
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { RECIPIENT_FILTERS, type RecipientFilter } from '../../stats/drill-down.repository';
import { SendEngagementType } from './send.type';

// GraphQL enum values spelled exactly like the filters the stats module knows.
export const RecipientFilterEnum = Object.fromEntries(RECIPIENT_FILTERS.map((filter) => [filter, filter])) as { [F in RecipientFilter]: F };
registerEnumType(RecipientFilterEnum, {
  name: 'RecipientFilter',
  description: 'OPENED: a counted open (MPP included) or a counted click; CLICKED: a counted click; NOT_OPENED: neither',
});

@ObjectType('Recipient')
export class RecipientType extends SendEngagementType {
  @Field({ description: 'opaque; pass it as `after` to get the rows after this one in the same list' })
  cursor!: string;

  @Field(() => ID)
  sendId!: string;

  @Field(() => Date, { nullable: true })
  lastClickedAt!: Date | null;
}
