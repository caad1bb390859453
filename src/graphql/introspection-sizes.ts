// How many items each introspection list returns on average, from the schema
// itself, so that introspection is costed like any other query: a full
// introspection costs about what it returns, and asking for it many times
// over costs many times that.
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType, type GraphQLSchema } from 'graphql';

const cache = new WeakMap<GraphQLSchema, ReadonlyMap<string, number>>();

/**
 * Keys are `__Type.fields` style; values are average list lengths, fractions
 * kept: most types have no input fields and most fields no arguments, and
 * rounding each up to 1 would cost a full introspection several times what
 * it returns (and refuse it once the schema grows).
 */
export function introspectionListSizes(schema: GraphQLSchema): ReadonlyMap<string, number> {
  const cached = cache.get(schema);
  if (cached) return cached;
  const types = Object.values(schema.getTypeMap());
  let fields = 0;
  let fieldArgs = 0;
  let inputFields = 0;
  let enumValues = 0;
  let interfaces = 0;
  let possibleTypes = 0;
  for (const type of types) {
    if (isObjectType(type) || isInterfaceType(type)) {
      const own = Object.values(type.getFields());
      fields += own.length;
      fieldArgs += own.reduce((sum, field) => sum + field.args.length, 0);
      interfaces += type.getInterfaces().length;
    }
    if (isInterfaceType(type) || isUnionType(type)) possibleTypes += schema.getPossibleTypes(type).length;
    if (isInputObjectType(type)) inputFields += Object.keys(type.getFields()).length;
    if (isEnumType(type)) enumValues += type.getValues().length;
  }
  const directives = schema.getDirectives();
  const directiveArgs = directives.reduce((sum, directive) => sum + directive.args.length, 0);
  const average = (total: number, over: number) => total / Math.max(1, over);
  const sizes = new Map<string, number>([
    ['__Schema.types', types.length],
    ['__Schema.directives', directives.length],
    ['__Type.fields', average(fields, types.length)],
    ['__Type.inputFields', average(inputFields, types.length)],
    ['__Type.enumValues', average(enumValues, types.length)],
    ['__Type.interfaces', average(interfaces, types.length)],
    ['__Type.possibleTypes', average(possibleTypes, types.length)],
    ['__Field.args', average(fieldArgs, fields)],
    ['__Directive.args', average(directiveArgs, directives.length)],
  ]);
  cache.set(schema, sizes);
  return sizes;
}
