import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { isDatabaseError } from '../../src/db/database-error';

describe('isDatabaseError', () => {
  it('recognises query failures, SQLSTATE codes and lost connections, also wrapped in a GraphQL error', () => {
    const query = new QueryFailedError('SELECT 1', [], Object.assign(new Error('relation does not exist'), { code: '42P01' }));
    expect(isDatabaseError(query)).toBe(true);
    expect(isDatabaseError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseError(new GraphQLError('wrapped', { originalError: query }))).toBe(true);
  });

  it('leaves other errors alone', () => {
    expect(isDatabaseError(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseError(Object.assign(new Error('nope'), { code: 'BAD_USER_INPUT' }))).toBe(false);
    expect(isDatabaseError('a string')).toBe(false);
  });
});
