// Recipient (contract section 5): one of the latest sends, with its own counters.
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('Recipient')
export class RecipientType {
  @Field(() => ID)
  sendId!: string;

  @Field(() => ID)
  contactId!: string;

  @Field()
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
