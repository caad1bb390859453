// Contact and Enrollment (contract sections 5 and 7): a recipient's suppression
// state, its tracking consent and its drip enrollments.
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { ContactRecord } from '../loaders/contact-loaders';

export enum ContactStatus {
  ACTIVE = 'ACTIVE',
  BOUNCED = 'BOUNCED',
  COMPLAINED = 'COMPLAINED',
  UNSUBSCRIBED = 'UNSUBSCRIBED',
  ERASED = 'ERASED',
}
export enum EnrollmentStatus {
  ACTIVE = 'ACTIVE',
  UNENROLLED = 'UNENROLLED',
}
registerEnumType(ContactStatus, {
  name: 'ContactStatus',
  description: 'ACTIVE may be sent to; the others refuse new sends (CONTACT_SUPPRESSED). ERASED: forgotten by forgetContact, for good',
});
registerEnumType(EnrollmentStatus, { name: 'EnrollmentStatus' });

@ObjectType('Enrollment')
export class EnrollmentType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true })
  campaignId!: string | null;

  @Field(() => EnrollmentStatus)
  status!: EnrollmentStatus;
}

@ObjectType('Contact')
export class ContactType {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field(() => ContactStatus)
  status!: ContactStatus;

  @Field({ description: 'false: its emails are sent untracked and no open or click of any of them, earlier ones included, is recorded' })
  trackingConsent!: boolean;

  // enrollments: resolved by ContactResolver through a DataLoader
}

export const contactTypeOf = (row: ContactRecord): ContactType => ({
  id: row.id,
  email: row.email,
  status: row.status as ContactStatus,
  trackingConsent: row.trackingConsent,
});
