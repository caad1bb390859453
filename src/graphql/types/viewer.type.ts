// The caller as the API sees it.
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ROLES, type Role } from '../../auth/viewer';

// GraphQL enum values spelled exactly like the token's role claim.
export const RoleEnum = Object.fromEntries(ROLES.map((role) => [role, role])) as { [R in Role]: R };
registerEnumType(RoleEnum, { name: 'Role', description: 'The caller role, from the token' });

@ObjectType('Viewer')
export class ViewerType {
  @Field(() => ID)
  userId!: string;

  @Field(() => ID)
  orgId!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => ID, { nullable: true, description: 'The partner team of a partner or sales rep' })
  team!: string | null;
}
