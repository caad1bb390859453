// npm run schema: writes schema.graphql from the type-graphql code.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from '../graphql/schema';
import { projectRoot } from '../paths';

const file = path.join(projectRoot, 'schema.graphql');
writeFileSync(file, printSchemaSdl());
process.stdout.write(`wrote ${file}\n`);
