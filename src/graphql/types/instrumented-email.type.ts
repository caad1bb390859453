// InstrumentedEmail (contract section 3): what the CRM sends, and what it
// attaches to the message so that webhooks and mailbox providers find their way.
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { DeliveryHeaders, MailgunVariables } from '../../instrument/delivery-headers';
import { InstrumentWarning } from '../../instrument/warnings';

registerEnumType(InstrumentWarning, {
  name: 'InstrumentWarning',
  valuesConfig: {
    GMAIL_CLIP_RISK: { description: 'the instrumented HTML is over 102 KB (Gmail clips it, and a clipped email never loads the pixel)' },
    LINKS_CAPPED: { description: 'more than EMAIL_TRACKING_MAX_LINKS trackable links: the first ones are tracked, the rest left as they are' },
  },
});

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

  @Field(() => GraphQLJSON, {
    description: 'header name to value: Message-Id (the given messageId, or one minted for the send: send with it), and List-Unsubscribe / List-Unsubscribe-Post when unsubscribeUrl is given',
  })
  headers!: DeliveryHeaders;

  @Field(() => [InstrumentWarning])
  warnings!: InstrumentWarning[];
}
