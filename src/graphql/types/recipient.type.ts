// Recipient and RecipientFilter (contract section 5): one tracked send with
// its own counters, and which of them a page keeps.
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RECIPIENT_FILTERS, type RecipientFilter } from '../../stats/drill-down.repository';

// GraphQL enum values spelled exactly like the filters the stats module knows.
export const RecipientFilterEnum = Object.fromEntries(RECIPIENT_FILTERS.map((filter) => [filter, filter])) as { [F in RecipientFilter]: F };
registerEnumType(RecipientFilterEnum, {
  name: 'RecipientFilter',
  description: 'OPENED: a counted open (MPP included) or a counted click; CLICKED: a counted click; NOT_OPENED: neither',
});

@ObjectType('Recipient')
export class RecipientType {
  @Field({ description: 'opaque; pass it as `after` to get the rows after this one in the same list' })
  cursor!: string;

  @Field(() => ID)
  sendId!: string;

  @Field(() => ID)
  contactId!: string;

  @Field({ description: 'empty when the contact was erased' })
  email!: string;

  @Field(() => Date)
  sentAt!: Date;

  @Field(() => Int)
  opens!: number;

  @Field(() => Int)
  clicks!: number;

  @Field(() => Int)
  mppOpens!: number;

  @Field(() => Date, { nullable: true })
  firstOpenedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastClickedAt!: Date | null;
}
