import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from '../../src/graphql/schema';

describe('schema.graphql', () => {
  it('matches the schema built from the code (run `npm run schema` when this fails)', () => {
    const committed = readFileSync(path.join(__dirname, '../../schema.graphql'), 'utf8');
    expect(committed).toBe(printSchemaSdl());
  });
});
