import { buildSchema, parse } from 'graphql';
import { queryLimitRefusals } from '../support/graphql-client';

const schema = buildSchema(`
  type Query { node: Node!, nodes(limit: Int): [Node!]!, page(limit: Int = 40): [Node!]! }
  type Node { id: ID!, child: Node, children(limit: Int): [Node!]! }
`);
const limits = { maxDepth: 4, maxAliases: 3, maxCost: 200 };

function problems(query: string, variables: Record<string, unknown> = {}): string[] {
  return queryLimitRefusals(schema, parse(query), variables, limits);
}

describe('query limits', () => {
  it('lets an ordinary query through', () => {
    expect(problems('{ node { id child { id } } }')).toEqual([]);
  });

  it('refuses a query deeper than the limit', () => {
    expect(problems('{ node { child { child { child { id } } } } }')).toEqual(['Query refused: depth 5 exceeds the limit of 4']);
  });

  it('counts aliases, including through fragments', () => {
    expect(problems('{ a: node { id } b: node { id } c: node { id } }')).toEqual([]);
    expect(problems('{ ...F ...F } fragment F on Query { a: node { id } b: node { id } }')).toEqual(['Query refused: 4 aliases exceed the limit of 3']);
  });

  it('multiplies the cost of list fields by their limit', () => {
    expect(problems('{ nodes(limit: 10) { id } }')).toEqual([]);
    expect(problems('{ nodes(limit: 10) { children(limit: 30) { id } } }')).toEqual(['Query refused: estimated cost 311 exceeds the limit of 200']);
  });

  it('costs a limit given as a variable at its value, else at its declared default', () => {
    const query = 'query ($n: Int) { nodes(limit: 10) { children(limit: $n) { id } } }';
    expect(problems(query, { n: 5 })).toEqual([]);
    expect(problems(query, { n: 30 })).toEqual(['Query refused: estimated cost 311 exceeds the limit of 200']);
    expect(problems('query ($n: Int = 30) { nodes(limit: 10) { children(limit: $n) { id } } }')).toEqual(['Query refused: estimated cost 311 exceeds the limit of 200']);
    // no value and no default: as a list without a limit (20)
    expect(problems(query)).toEqual(['Query refused: estimated cost 211 exceeds the limit of 200']);
  });

  it("costs a list without a limit argument at the argument's default", () => {
    expect(problems('{ page { id } }')).toEqual([]);
    expect(problems('{ page { children(limit: 5) { id } } }')).toEqual(['Query refused: estimated cost 241 exceeds the limit of 200']);
  });

  it('refuses an exponential fragment bomb quickly, measuring each fragment once', () => {
    const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Node { id ${i < 29 ? `...F${i + 1} ...F${i + 1}` : ''} }`);
    const started = Date.now();
    const result = problems(`{ node { ...F0 } } ${fragments.join(' ')}`);
    expect(result).toEqual(['Query refused: estimated cost 1073741824 exceeds the limit of 200']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('measures introspection like any other field: depth, aliases and cost', () => {
    expect(problems('{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }')).toEqual([
      expect.stringMatching(/^Query refused: depth 8 exceeds the limit of 4/),
    ]);
    expect(problems('{ a: __schema { queryType { name } } b: __schema { queryType { name } } c: __type(name: "Node") { name } d: __typename }')).toEqual([
      'Query refused: 4 aliases exceed the limit of 3',
    ]);
  });
});
