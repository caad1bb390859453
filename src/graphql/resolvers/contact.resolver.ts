// Query.contact and Contact.enrollments: a recipient's suppression state as
// the organisation's admins (or a sender who emailed it) may see it.
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { viewerOf, type Context } from '../context';
import { contactTypeOf, ContactType, EnrollmentStatus, EnrollmentType } from '../types/contact.type';

@Resolver(() => ContactType)
export class ContactResolver {
  @Query(() => ContactType, { nullable: true, description: 'null when the contact does not exist or is not visible to the caller' })
  async contact(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<ContactType | null> {
    viewerOf(context);
    const row = await context.loaders.contactById.load(id);
    return row ? contactTypeOf(row) : null;
  }

  @FieldResolver(() => [EnrollmentType], { description: "the contact's drip enrollments, oldest first" })
  async enrollments(@Root() contact: ContactType, @Ctx() context: Context): Promise<EnrollmentType[]> {
    const rows = await context.loaders.enrollmentsByContact.load(contact.id);
    return rows.map((row) => ({ id: row.id, campaignId: row.campaignId, status: row.status as EnrollmentStatus }));
  }
}
