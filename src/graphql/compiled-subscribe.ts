// How a live stream runs its subscription for each event it delivers. A
// stream runs the same document thousands of times, once per event, so the
// document is compiled once (graphql-jit) and each event runs the compiled
// code: graphql-js's execute builds an execution context, coerces variables
// and collects fields anew for every event, which the profile of 1,000
// streams showed as the largest part of a delivered event's cost. The
// compiled code calls the schema's own resolvers, so graphql-shield's rules
// and type-graphql's resolvers run for every event as before; the document
// was validated and its query limits checked before it gets here.
import { print, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** Documents kept compiled; a client's documents are few (the Live panel has one), a hostile variety is bounded. */
const MAX_COMPILED = 100;

type SubscribeResult = AsyncIterableIterator<ExecutionResult> | ExecutionResult;

/** A `subscribe` for graphql-sse's handler: graphql's own, with each document compiled once for all the events of all its streams. */
export function createCompiledSubscribe(schema: GraphQLSchema): (args: ExecutionArgs) => Promise<SubscribeResult> {
  // By text and operation name, most recently used last.
  const compiled = new Map<string, CompiledQuery | ExecutionResult>();

  function compile(document: DocumentNode, operationName: string | undefined): CompiledQuery | ExecutionResult {
    const key = `${operationName ?? ''}\n${document.loc?.source.body ?? print(document)}`;
    const known = compiled.get(key);
    if (known) {
      compiled.delete(key);
      compiled.set(key, known);
      return known;
    }
    const fresh = compileQuery(schema, document, operationName);
    compiled.set(key, fresh);
    if (compiled.size > MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    return fresh;
  }

  return async (args) => {
    if (args.schema !== schema) throw new Error('compiled subscriptions serve the schema they were made for');
    const query = compile(args.document, args.operationName ?? undefined);
    // A document graphql-jit cannot compile is answered with its errors, as graphql's subscribe answers one it cannot run.
    if (!isCompiledQuery(query)) return query;
    if (!query.subscribe) throw new Error('graphql-sse subscribes only to subscription operations');
    return query.subscribe(args.rootValue, args.contextValue, args.variableValues);
  };
}
