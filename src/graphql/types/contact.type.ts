// Contact and Enrollment (contract section 5): a recipient's suppression state
// and its drip enrollments, as Mailgun's events left them.
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum ContactStatus {
  ACTIVE = 'ACTIVE',
  BOUNCED = 'BOUNCED',
  COMPLAINED = 'COMPLAINED',
  UNSUBSCRIBED = 'UNSUBSCRIBED',
}
export enum EnrollmentStatus {
  ACTIVE = 'ACTIVE',
  UNENROLLED = 'UNENROLLED',
}
registerEnumType(ContactStatus, {
  name: 'ContactStatus',
  description: 'ACTIVE may be sent to; the others refuse new sends (CONTACT_SUPPRESSED)',
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

  // enrollments: resolved by ContactResolver through a DataLoader
}
