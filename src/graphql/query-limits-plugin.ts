// Applies the query limits once the operation is known and before it runs.
// A plugin rather than a validation rule: Apollo caches validation per
// document, and a `limit` passed as a variable must be costed at the value
// of each request. Also where introspection asks for a token in production.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Context } from './context';
import { defaultQueryLimits, limitRefusal, measureOperation, type QueryLimits } from './query-limits';

const refused = (message: string) => new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });

export interface QueryLimitsOptions {
  limits?: QueryLimits;
  /** production: the schema is shown to callers with a token only */
  introspectionNeedsToken: boolean;
}

export function queryLimitsPlugin(options: QueryLimitsOptions): ApolloServerPlugin<Context> {
  const limits = options.limits ?? defaultQueryLimits;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return; // unresolved: Apollo has already answered with its error
          const measured = measureOperation(schema, document, operation, request.variables);
          const refusal = limitRefusal(measured, limits);
          if (refusal !== null) throw refused(refusal);
          if (measured.introspects && options.introspectionNeedsToken && contextValue.viewer === null) {
            const why = contextValue.authProblem ?? 'introspection needs a bearer token in production';
            throw new GraphQLError(`Authentication required: ${why}`, { extensions: { code: 'UNAUTHENTICATED', http: { status: 200 } } });
          }
        },
      };
    },
  };
}
