// Query.viewer: who the token says the caller is.
import { Ctx, Query, Resolver } from 'type-graphql';
import { viewerOf, type Context } from '../context';
import { ViewerType } from '../types/viewer.type';

@Resolver(() => ViewerType)
export class ViewerResolver {
  @Query(() => ViewerType, { description: 'The caller: userId, orgId, role' })
  viewer(@Ctx() context: Context): ViewerType {
    const viewer = viewerOf(context);
    return { userId: viewer.userId, orgId: viewer.orgId, role: viewer.role, team: viewer.teamId };
  }
}
