// InstrumentedEmail (contract section 3): what the CRM sends, and what it
// attaches to the message so that webhooks and mailbox providers find their way.
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { DeliveryHeaders, MailgunVariables } from '../../instrument/delivery-headers';

@ObjectType('InstrumentedEmail')
export class InstrumentedEmailType {
  @Field(() => ID)
  sendId!: string;

  @Field(() => String, { nullable: true })
  html!: string | null;

  @Field(() => String, { nullable: true, description: 'the input text, unchanged' })
  text!: string | null;

  @Field({ description: 'true when links/pixel were added' })
  tracked!: boolean;

  @Field(() => Int)
  trackedLinks!: number;

  @Field(() => GraphQLJSON, { description: 'attach as X-Mailgun-Variables; {"send_id": ..., "org_id": ...}' })
  mailgunVariables!: MailgunVariables;

  @Field(() => GraphQLJSON, { description: 'header name to value: List-Unsubscribe / List-Unsubscribe-Post when unsubscribeUrl is given, else {}' })
  headers!: DeliveryHeaders;
}
