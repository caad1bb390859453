// Who may call what: one graphql-shield map, deny by default. Shield guards the
// door; resolvers and SQL also scope every read by organisation and sender.
import { GraphQLError } from 'graphql';
import { allow, deny, rule, shield } from 'graphql-shield';
import type { Context } from './context';
import { unauthenticated } from '../errors';

export const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, context: Context) => {
  if (context.viewer) return true;
  const why = context.authProblem ?? 'send Authorization: Bearer <token>';
  return unauthenticated(`Authentication required: ${why}`);
});

// Feature modules add their fields here as they land.
export const permissions = shield(
  {
    Query: {
      viewer: isAuthenticated,
      send: isAuthenticated,
    },
    Viewer: allow,
    // Reached only through a visible send (the loader scopes by org and sender).
    Send: allow,
    TrackingEvent: allow,
  },
  {
    fallbackRule: deny,
    fallbackError: () => new GraphQLError('Not allowed', { extensions: { code: 'FORBIDDEN' } }),
    // Errors thrown by resolvers (bad input, suppressed contact...) reach the
    // caller as they are instead of being replaced by the fallback error.
    allowExternalErrors: true,
  },
);
