// InstrumentEmailInput (contract section 3): one email as the CRM is about to
// send it, with its attribution. The rules beyond the types live in
// src/instrument/validation.ts.
import { Field, ID, InputType, Int } from 'type-graphql';
import type { InstrumentEmailFields } from '../../instrument/validation';

@InputType('InstrumentEmailInput')
export class InstrumentEmailInput implements InstrumentEmailFields {
  @Field(() => ID, { description: 'owner/admin/service may name any sender; others only themselves' })
  senderId!: string;

  @Field(() => ID, { nullable: true, description: "the sender's partner team; defaults to the caller's team claim when the caller is the sender" })
  senderTeamId?: string | null;

  @Field(() => ID)
  contactId!: string;

  @Field(() => String)
  recipientEmail!: string;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => String, { nullable: true, description: 'absent or null: a plain-text email, never instrumented; at most 8 MiB of UTF-8' })
  html?: string | null;

  @Field(() => String, { nullable: true, description: 'returned unchanged, always' })
  text?: string | null;

  @Field(() => ID, { nullable: true, description: 'drip campaign' })
  campaignId?: string | null;

  @Field(() => String, { nullable: true })
  campaignName?: string | null;

  @Field(() => ID, { nullable: true, description: 'absent: an ad-hoc send' })
  templateId?: string | null;

  @Field(() => String, { nullable: true })
  templateName?: string | null;

  @Field(() => ID, { nullable: true, description: 'drip enrollment of this contact in this campaign' })
  enrollmentId?: string | null;

  @Field(() => Int, { nullable: true, description: 'drip step' })
  stepIndex?: number | null;

  @Field(() => String, { nullable: true, description: "the compliance footer's link: never tracked, and sent back as List-Unsubscribe" })
  unsubscribeUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'the Message-Id the CRM will send with, if known' })
  messageId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'false: this recipient declined tracking; nothing is instrumented (default true)' })
  trackingConsent?: boolean | null;
}
