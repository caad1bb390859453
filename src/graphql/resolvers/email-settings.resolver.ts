// Query.emailSettings and the signing-key mutations: thin, over the sealed
// key store. Who may touch which row is decided by settingsOwner, in the
// shield rule and again here, so a missed rule cannot reach another row.
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { badInput, forbidden } from '../../errors';
import { normalizeSigningKey, settingsOwner, SIGNING_KEY_RULE, type SettingsOwner } from '../../secrets/signing-key-rules';
import { clearSigningKey, readSigningKeyState, storeSigningKey, type SigningKeyState } from '../../secrets/signing-key-store';
import { viewerOf, type Context } from '../context';
import { EmailSettingsType, SettingsScope } from '../types/email-settings.type';

/** The contract's `scope: SettingsScope = ORG`: optional, and an explicit null means ORG too. */
const SCOPE_ARG = { nullable: true, defaultValue: SettingsScope.ORG };

interface Target {
  scope: SettingsScope;
  owner: SettingsOwner;
}

function targetOf(context: Context, requested: SettingsScope | null): Target {
  const scope = requested ?? SettingsScope.ORG;
  const owner = settingsOwner(viewerOf(context), scope);
  if (!owner) throw forbidden(scope === SettingsScope.ORG ? 'Only owners and admins manage organisation settings' : "Only a partner manages its own team's settings");
  return { scope, owner };
}

const toType = ({ scope }: Target, state: SigningKeyState): EmailSettingsType => ({
  scope,
  mailgunSigningKeySet: state.keySet,
  updatedAt: state.updatedAt,
});

@Resolver(() => EmailSettingsType)
export class EmailSettingsResolver {
  @Query(() => EmailSettingsType, { description: "The email settings of the organisation (ORG) or of the caller's partner team (TEAM)" })
  async emailSettings(@Arg('scope', () => SettingsScope, SCOPE_ARG) scope: SettingsScope | null, @Ctx() context: Context): Promise<EmailSettingsType> {
    const target = targetOf(context, scope);
    return toType(target, await readSigningKeyState(context.app.db, target.owner));
  }

  @Mutation(() => EmailSettingsType, {
    description: "Stores the Mailgun webhook signing key for the scope (encrypted at rest, never returned); it becomes the only key accepted for the scope's sends",
  })
  async setMailgunSigningKey(
    @Arg('key', () => String) key: string,
    @Arg('scope', () => SettingsScope, SCOPE_ARG) scope: SettingsScope | null,
    @Ctx() context: Context,
  ): Promise<EmailSettingsType> {
    const target = targetOf(context, scope);
    const normalized = normalizeSigningKey(key);
    if (normalized === null) throw badInput(SIGNING_KEY_RULE);
    return toType(target, await storeSigningKey(context.app.db, context.app.config.secretsEncryptionKey, target.owner, normalized));
  }

  @Mutation(() => EmailSettingsType, { description: "Removes the scope's Mailgun signing key: its sends fall back to the organisation's key, then the platform's" })
  async clearMailgunSigningKey(@Arg('scope', () => SettingsScope, SCOPE_ARG) scope: SettingsScope | null, @Ctx() context: Context): Promise<EmailSettingsType> {
    const target = targetOf(context, scope);
    return toType(target, await clearSigningKey(context.app.db, target.owner));
  }
}
