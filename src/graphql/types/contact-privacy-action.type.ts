// ContactPrivacyAction (contract section 7): one row of the audit trail of
// consent changes and erasures. It carries no email address.
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Role } from '../../auth/viewer';
import { RoleEnum } from './viewer.type';

export enum ContactPrivacyActionKind {
  CONSENT_WITHDRAWN = 'CONSENT_WITHDRAWN',
  CONSENT_GIVEN = 'CONSENT_GIVEN',
  ERASED = 'ERASED',
}
registerEnumType(ContactPrivacyActionKind, {
  name: 'ContactPrivacyActionKind',
  description: 'setContactTrackingConsent(consent: false / true), or forgetContact',
});

@ObjectType('ContactPrivacyAction')
export class ContactPrivacyActionType {
  @Field(() => ID, { description: 'increases as actions are recorded; pass the last one seen as `after` for the next page' })
  id!: string;

  @Field(() => ID)
  contactId!: string;

  @Field(() => ContactPrivacyActionKind)
  action!: ContactPrivacyActionKind;

  @Field(() => ID, { description: "who did it: the token's user id (sub)" })
  actorId!: string;

  @Field(() => RoleEnum, { description: "the token's role" })
  actorRole!: Role;

  @Field(() => Date)
  at!: Date;

  @Field(() => Int, { nullable: true, description: 'ERASED only: sends whose recipient address this erasure blanked' })
  sendsErased!: number | null;

  @Field(() => Int, { nullable: true, description: 'ERASED only: raw events this erasure deleted' })
  eventsDeleted!: number | null;
}
