// Bounds on a query's shape, checked during validation so an abusive query is
// refused before any resolver runs: depth, aliases and an estimated cost in
// which list fields multiply the cost of what they select.
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

export const defaultQueryLimits: QueryLimits = { maxDepth: 10, maxAliases: 30, maxCost: 20_000 };

/** How many items a list field is assumed to return when it has no `limit` argument. */
const ASSUMED_LIST_SIZE = 20;

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

function listSize(args: readonly { name: { value: string }; value: { kind: string; value?: unknown } }[]): number {
  const limit = args.find((arg) => arg.name.value === 'limit');
  if (limit && limit.value.kind === Kind.INT) return Math.max(1, Number(limit.value.value));
  return ASSUMED_LIST_SIZE;
}

function measure(
  context: ValidationContext,
  selectionSet: SelectionSetNode,
  parentType: GraphQLNamedType | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  visiting: Set<string>,
  measured: Map<string, Measure>,
): Measure {
  const total: Measure = { depth: 0, aliases: 0, cost: 0 };
  const add = (child: Measure) => {
    total.depth = Math.max(total.depth, child.depth);
    total.aliases += child.aliases;
    total.cost += child.cost;
  };
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name.startsWith('__')) continue; // introspection is bounded by the schema itself
      const field = parentType && isObjectType(parentType) ? parentType.getFields()[name] : undefined;
      const fieldType = field ? getNamedType(field.type) : undefined;
      const child = selection.selectionSet
        ? measure(context, selection.selectionSet, fieldType, fragments, visiting, measured)
        : { depth: 0, aliases: 0, cost: 0 };
      const multiplier = field && isListType(getNullableType(field.type)) ? listSize(selection.arguments ?? []) : 1;
      add({
        depth: child.depth + 1,
        aliases: child.aliases + (selection.alias ? 1 : 0),
        cost: 1 + child.cost * multiplier,
      });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? context.getSchema().getType(selection.typeCondition.name.value) : parentType;
      add(measure(context, selection.selectionSet, type ?? undefined, fragments, visiting, measured));
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || visiting.has(name)) continue; // unknown or cyclic: other rules report it
      // Memoised: a fragment spread many times, nested, is measured once.
      let result = measured.get(name);
      if (!result) {
        visiting.add(name);
        const type = context.getSchema().getType(fragment.typeCondition.name.value);
        result = measure(context, fragment.selectionSet, type ?? undefined, fragments, visiting, measured);
        visiting.delete(name);
        measured.set(name, result);
      }
      add(result);
    }
  }
  return total;
}

export function queryLimitsRule(limits: QueryLimits = defaultQueryLimits): ValidationRule {
  return (context: ValidationContext) => {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    return {
      OperationDefinition(operation) {
        const schema = context.getSchema();
        const root =
          operation.operation === 'query'
            ? schema.getQueryType()
            : operation.operation === 'mutation'
              ? schema.getMutationType()
              : schema.getSubscriptionType();
        const result = measure(context, operation.selectionSet, root ?? undefined, fragments, new Set(), new Map());
        const problems: string[] = [];
        if (result.depth > limits.maxDepth) problems.push(`depth ${result.depth} exceeds the limit of ${limits.maxDepth}`);
        if (result.aliases > limits.maxAliases) problems.push(`${result.aliases} aliases exceed the limit of ${limits.maxAliases}`);
        if (result.cost > limits.maxCost) problems.push(`estimated cost ${result.cost} exceeds the limit of ${limits.maxCost}`);
        if (problems.length > 0) {
          context.reportError(new GraphQLError(`Query refused: ${problems.join('; ')}`, { nodes: [operation] }));
        }
      },
    };
  };
}
