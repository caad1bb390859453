import { buildSchema, parse, validate } from 'graphql';
import { queryLimitsRule } from '../../src/graphql/query-limits';

const schema = buildSchema(`
  type Query { node: Node!, nodes(limit: Int): [Node!]! }
  type Node { id: ID!, child: Node, children(limit: Int): [Node!]! }
`);
const rule = queryLimitsRule({ maxDepth: 4, maxAliases: 3, maxCost: 200 });

function problems(query: string): string[] {
  return validate(schema, parse(query), [rule]).map((error) => error.message);
}

describe('query limits', () => {
  it('lets an ordinary query through', () => {
    expect(problems('{ node { id child { id } } }')).toEqual([]);
  });

  it('refuses a query deeper than the limit', () => {
    expect(problems('{ node { child { child { child { id } } } } }')).toEqual([
      'Query refused: depth 5 exceeds the limit of 4',
    ]);
  });

  it('counts aliases, including through fragments', () => {
    expect(problems('{ a: node { id } b: node { id } c: node { id } }')).toEqual([]);
    expect(problems('{ ...F ...F } fragment F on Query { a: node { id } b: node { id } }')).toEqual([
      'Query refused: 4 aliases exceed the limit of 3',
    ]);
  });

  it('multiplies the cost of list fields by their limit', () => {
    expect(problems('{ nodes(limit: 10) { id } }')).toEqual([]);
    expect(problems('{ nodes(limit: 10) { children(limit: 30) { id } } }')).toEqual([
      'Query refused: estimated cost 311 exceeds the limit of 200',
    ]);
  });

  it('refuses an exponential fragment bomb quickly, measuring each fragment once', () => {
    const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Node { id ${i < 29 ? `...F${i + 1} ...F${i + 1}` : ''} }`);
    const started = Date.now();
    const result = problems(`{ node { ...F0 } } ${fragments.join(' ')}`);
    expect(result).toEqual(['Query refused: estimated cost 1073741824 exceeds the limit of 200']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('leaves introspection alone', () => {
    expect(problems('{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }')).toEqual([]);
  });
});
