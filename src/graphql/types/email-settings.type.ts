// EmailSettings and SettingsScope (contract section 5): whether a Mailgun
// signing key is set for the organisation or a partner team. The key itself
// is write-only and has no field here.
import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum SettingsScope {
  ORG = 'ORG',
  TEAM = 'TEAM',
}
registerEnumType(SettingsScope, {
  name: 'SettingsScope',
  description: "ORG: the organisation's settings (owner, admin); TEAM: the caller's partner team (partner with a team claim)",
});

@ObjectType('EmailSettings')
export class EmailSettingsType {
  @Field(() => SettingsScope)
  scope!: SettingsScope;

  @Field({ description: 'true when a Mailgun webhook signing key is stored for this scope; the key is never returned' })
  mailgunSigningKeySet!: boolean;

  @Field(() => Date, { nullable: true, description: 'when these settings last changed; null when never set' })
  updatedAt!: Date | null;
}
