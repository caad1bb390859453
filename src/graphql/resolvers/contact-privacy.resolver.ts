// Consent and erasure (contract section 7) and their audit trail: thin, over
// src/privacy/. Who may call them is decided by the shield rules and again
// here, so a missed rule cannot reach another organisation or role.
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { readsPrivacyAudit, seesWholeOrganisation, type Viewer } from '../../auth/viewer';
import { badInput, forbidden } from '../../errors';
import { checkId } from '../../instrument/validation';
import { forgetContact } from '../../privacy/forget-contact';
import { listPrivacyActions } from '../../privacy/privacy-actions';
import { setTrackingConsent } from '../../privacy/tracking-consent';
import { viewerOf, type Context } from '../context';
import { ContactPrivacyActionType, type ContactPrivacyActionKind } from '../types/contact-privacy-action.type';
import { contactTypeOf, ContactType } from '../types/contact.type';

const DEFAULT_ACTIONS = 50;
const MAX_ACTIONS = 500;

function privacyManager(context: Context): Viewer {
  const viewer = viewerOf(context);
  if (!seesWholeOrganisation(viewer)) throw forbidden('Only owners, admins and services manage tracking consent and erasure');
  return viewer;
}

@Resolver()
export class ContactPrivacyResolver {
  @Mutation(() => ContactType, {
    description:
      "Sets the contact's tracking consent. false: later sends are untracked and no open or click of its emails, earlier ones included, is recorded; true: tracked again from now on. An unknown contact is created with the preference.",
  })
  async setContactTrackingConsent(
    @Arg('contactId', () => ID) contactId: string,
    @Arg('consent', () => Boolean) consent: boolean,
    @Ctx() context: Context,
  ): Promise<ContactType> {
    const viewer = privacyManager(context);
    return contactTypeOf(await setTrackingConsent(context.app.db, viewer, checkId('contactId', contactId), consent));
  }

  @Mutation(() => Boolean, {
    description:
      "Erases the contact (right to erasure): deletes its raw events, blanks its email address on the contact and its sends, marks it ERASED and refuses later sends to it. Counters and stats stay. Idempotent; true when done.",
  })
  async forgetContact(@Arg('contactId', () => ID) contactId: string, @Ctx() context: Context): Promise<boolean> {
    const viewer = privacyManager(context);
    await forgetContact(context.app, viewer, checkId('contactId', contactId));
    return true;
  }

  @Query(() => [ContactPrivacyActionType], {
    description: `The audit trail of consent changes and erasures, newest first, for one contact or the whole organisation (owner and admin; limit 1 to ${MAX_ACTIONS})`,
  })
  async contactPrivacyActions(
    @Arg('contactId', () => ID, { nullable: true }) contactId: string | null | undefined,
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_ACTIONS }) limit: number | null,
    @Arg('after', () => ID, { nullable: true, description: 'the id of the last action of the previous page' }) after: string | null | undefined,
    @Ctx() context: Context,
  ): Promise<ContactPrivacyActionType[]> {
    const viewer = viewerOf(context);
    if (!readsPrivacyAudit(viewer)) throw forbidden('Only owners and admins read the privacy audit trail');
    // An argument left out arrives undefined, one given as null arrives null: both mean none.
    const size = limit ?? DEFAULT_ACTIONS;
    if (!Number.isInteger(size) || size < 1 || size > MAX_ACTIONS) throw badInput(`limit must be between 1 and ${MAX_ACTIONS}`);
    if (after != null && !/^[1-9][0-9]{0,17}$/.test(after)) throw badInput('after must be the id of an action');
    const rows = await listPrivacyActions(context.app.db, viewer.orgId, {
      contactId: contactId == null ? null : checkId('contactId', contactId),
      limit: size,
      after: after ?? null,
    });
    return rows.map((row) => ({ ...row, action: row.action as ContactPrivacyActionKind }));
  }
}
