// Every migration, in order. Listed explicitly (not globbed) so the same list
// serves the compiled server, ts-node scripts and Jest.
import { InitialSchema1764000000000 } from './1764000000000-initial-schema';

export const migrations = [InitialSchema1764000000000];
