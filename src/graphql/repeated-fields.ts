// graphql-js's OverlappingFieldsCanBeMerged validation compares every pair of
// fields that share a response name in a selection set, recursing into their
// selections: 300 copies of `viewer { userId }` (5 KB, no token) held the
// main thread for most of a second. This counts those repeats with one walk
// of the parsed document, so a document full of them is refused before
// Apollo validates it (Apollo offers no hook that can refuse a request
// between parsing and validation). Pure.
import { Kind, parse, visit, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

type NameCounts = Map<string, number>;

function addCounts(into: NameCounts, from: NameCounts): void {
  for (const [name, count] of from) into.set(name, (into.get(name) ?? 0) + count);
}

/**
 * Fields beyond the first of each response name, summed over every selection
 * set of the document (inline fragments and named fragments flattened into
 * the set they are spread in, as validation sees them).
 */
export function repeatedFieldCount(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentNames = new Map<string, NameCounts>();

  function namesOf(selectionSet: SelectionSetNode, into: NameCounts, spread: Set<string>, visiting: Set<string>): void {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.alias?.value ?? selection.name.value;
        into.set(name, (into.get(name) ?? 0) + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        namesOf(selection.selectionSet, into, spread, visiting);
      } else if (!spread.has(selection.name.value)) {
        // Validation takes each fragment once per selection set, however often it is spread.
        spread.add(selection.name.value);
        addCounts(into, namesOfFragment(selection.name.value, visiting));
      }
    }
  }

  function namesOfFragment(name: string, visiting: Set<string>): NameCounts {
    const known = fragmentNames.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown or cyclic: validation reports it, and nothing repeats through it here.
    if (!fragment || visiting.has(name)) return new Map();
    visiting.add(name);
    const counts: NameCounts = new Map();
    namesOf(fragment.selectionSet, counts, new Set([name]), visiting);
    visiting.delete(name);
    fragmentNames.set(name, counts);
    return counts;
  }

  let repeated = 0;
  visit(document, {
    SelectionSet(node) {
      const counts: NameCounts = new Map();
      namesOf(node, counts, new Set(), new Set());
      for (const count of counts.values()) repeated += count - 1;
    },
  });
  return repeated;
}

/**
 * Fields repeating a response name in one selection set. Validation compares
 * them pairwise, recursively: 32 copies of a small selection cost it 50 to
 * 80 ms on a loaded machine, 300 most of a second. Ordinary documents have none.
 */
export const MAX_REPEATED_FIELDS = 10;

/**
 * Why `query` may not go on to validation, or null. A document that does not
 * parse is left to Apollo, which reports the syntax error in its own words.
 */
export function repeatedFieldsRefusal(query: string, maxTokens: number): string | null {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens, noLocation: true });
  } catch {
    return null;
  }
  const repeated = repeatedFieldCount(document);
  return repeated > MAX_REPEATED_FIELDS
    ? `Query refused: ${repeated} fields repeat a name already selected beside them; the limit is ${MAX_REPEATED_FIELDS}`
    : null;
}
