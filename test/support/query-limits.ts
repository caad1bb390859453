// The query limits as the server applies them, for documents checked without
// a server: each operation measured with the given variables.
import { Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import { limitRefusal, measureOperation, type QueryLimits } from '../../src/graphql/query-limits';

export function queryLimitRefusals(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, limits?: QueryLimits): string[] {
  return document.definitions.flatMap((definition) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) return [];
    const refusal = limitRefusal(measureOperation(schema, document, definition, variables), limits);
    return refusal === null ? [] : [refusal];
  });
}
