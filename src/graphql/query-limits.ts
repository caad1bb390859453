// Bounds on an operation's shape, measured with its variables before any
// resolver runs: depth, aliases and an estimated cost in which list fields
// multiply the cost of what they select. Introspection is measured like any
// other field (the audit's 550 aliased __schema selections are 550 aliases),
// its lists sized from the schema itself. Applied by an Apollo plugin rather
// than a validation rule: Apollo caches validation per document, and a
// `limit` passed as a variable must be costed at each request's value. The
// plugin is also where introspection asks for a token in production.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Context } from './context';
import { introspectionListSizes } from './introspection-sizes';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

/**
 * Depth 15: the standard introspection query (the explorer's) is 15 deep
 * through its nested `ofType`; the deepest stats query is 6. Cost 20,000: a
 * drill-down with a page of 1,000 recipients passes, a list of campaigns
 * each with 1,000 recipients does not.
 */
export const defaultQueryLimits: QueryLimits = { maxDepth: 15, maxAliases: 30, maxCost: 20_000 };

/** How many items a list field is assumed to return when nothing says (no `limit`, no default). */
const ASSUMED_LIST_SIZE = 20;

export interface OperationMeasure {
  depth: number;
  aliases: number;
  cost: number;
  /** selects __schema or __type somewhere (not merely __typename) */
  introspects: boolean;
}

type Variables = Readonly<Record<string, unknown>> | undefined;

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  operation: OperationDefinitionNode;
  variables: Variables;
  visiting: Set<string>;
  measured: Map<string, OperationMeasure>;
}

const empty = (): OperationMeasure => ({ depth: 0, aliases: 0, cost: 0, introspects: false });

function fieldOf(parentType: GraphQLNamedType | undefined, name: string, walk: Walk): GraphQLField<unknown, unknown> | undefined {
  if (parentType === walk.schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return parentType && isObjectType(parentType) ? parentType.getFields()[name] : undefined;
}

/** A variable's value as sent, else its declared default; undefined when neither is a number. */
function variableNumber(name: string, walk: Walk): number | undefined {
  const given = walk.variables?.[name];
  if (typeof given === 'number') return given;
  if (given !== undefined && given !== null) return undefined;
  const declared = walk.operation.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
  return declared?.kind === Kind.INT ? Number(declared.value) : undefined;
}

/** The items a list field may return: its `limit` as given (literal or variable), its default, or a size known from the schema. */
function listSize(field: GraphQLField<unknown, unknown>, parentType: GraphQLNamedType, args: readonly ArgumentNode[], walk: Walk): number {
  const limit = args.find((arg) => arg.name.value === 'limit')?.value;
  let size: number | undefined;
  if (limit?.kind === Kind.INT) size = Number(limit.value);
  else if (limit?.kind === Kind.VARIABLE) size = variableNumber(limit.name.value, walk);
  size ??= numberOrUndefined(field.args.find((arg) => arg.name === 'limit')?.defaultValue);
  // An average, often below 1: most fields have no arguments.
  if (size === undefined) return introspectionListSizes(walk.schema).get(`${parentType.name}.${field.name}`) ?? ASSUMED_LIST_SIZE;
  // A negative or zero limit is refused by its resolver; it still costs its selection once.
  return Math.max(1, size);
}

const numberOrUndefined = (value: unknown) => (typeof value === 'number' ? value : undefined);

function measure(selectionSet: SelectionSetNode, parentType: GraphQLNamedType | undefined, walk: Walk): OperationMeasure {
  const total = empty();
  const add = (child: OperationMeasure) => {
    total.depth = Math.max(total.depth, child.depth);
    total.aliases += child.aliases;
    total.cost += child.cost;
    total.introspects ||= child.introspects;
  };
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      const field = fieldOf(parentType, name, walk);
      const child = selection.selectionSet ? measure(selection.selectionSet, field ? getNamedType(field.type) : undefined, walk) : empty();
      const multiplier = field && parentType && isListType(getNullableType(field.type)) ? listSize(field, parentType, selection.arguments ?? [], walk) : 1;
      add({
        depth: child.depth + 1,
        aliases: child.aliases + (selection.alias ? 1 : 0),
        cost: 1 + child.cost * multiplier,
        introspects: child.introspects || name === SchemaMetaFieldDef.name || name === TypeMetaFieldDef.name,
      });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parentType;
      add(measure(selection.selectionSet, type ?? undefined, walk));
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments[name];
      if (!fragment || walk.visiting.has(name)) continue; // unknown or cyclic: validation reports it
      // Memoised: a fragment spread many times, nested, is measured once.
      let result = walk.measured.get(name);
      if (!result) {
        walk.visiting.add(name);
        result = measure(fragment.selectionSet, walk.schema.getType(fragment.typeCondition.name.value) ?? undefined, walk);
        walk.visiting.delete(name);
        walk.measured.set(name, result);
      }
      add(result);
    }
  }
  return total;
}

/** Measures one operation of a validated document with the variables it will run with. */
export function measureOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Variables): OperationMeasure {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const root =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const result = measure(operation.selectionSet, root ?? undefined, { schema, fragments, operation, variables, visiting: new Set(), measured: new Map() });
  // Introspection's averages make fractions; the caller sees whole numbers.
  return { ...result, cost: Math.ceil(result.cost) };
}

/** Why the operation may not run, in words for the caller; null when it may. */
export function limitRefusal(result: OperationMeasure, limits: QueryLimits = defaultQueryLimits): string | null {
  const problems: string[] = [];
  if (result.depth > limits.maxDepth) problems.push(`depth ${result.depth} exceeds the limit of ${limits.maxDepth}`);
  if (result.aliases > limits.maxAliases) problems.push(`${result.aliases} aliases exceed the limit of ${limits.maxAliases}`);
  if (result.cost > limits.maxCost) problems.push(`estimated cost ${result.cost} exceeds the limit of ${limits.maxCost}`);
  return problems.length === 0 ? null : `Query refused: ${problems.join('; ')}`;
}

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
          if (refusal !== null) throw new GraphQLError(refusal, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });
          if (measured.introspects && options.introspectionNeedsToken && contextValue.viewer === null) {
            const why = contextValue.authProblem ?? 'introspection needs a bearer token in production';
            throw new GraphQLError(`Authentication required: ${why}`, { extensions: { code: 'UNAUTHENTICATED', http: { status: 200 } } });
          }
        },
      };
    },
  };
}
