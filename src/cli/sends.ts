// npm run sends -- move|delete: the one way to move sends (to another time,
// sender, campaign or template, tracked or not) or delete them with their
// figures. The service never does either, and nothing follows an UPDATE or
// DELETE of sends made by hand (src/rollups/move-sends.ts).
//
//   npm run sends -- move --org O --sends ID[,ID...] [--sent-at ISO] [--sender S] [--campaign C|none] [--template T|none] [--tracked true|false]
//   npm run sends -- delete --org O --sends ID[,ID...]|all
import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { devSecretsUnlessProduction } from '../dev-secrets';
import { createLogger } from '../logger';
import { deleteAllSends, deleteSends, moveSends, type SendMove } from '../rollups/move-sends';
import { fail, parseFlags } from './args';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sendIds(value: string | undefined): string[] {
  const ids = (value ?? '').split(',').filter((id) => id !== '');
  if (ids.length === 0) throw new Error('--sends needs one send id or more, comma separated');
  const bad = ids.find((id) => !UUID.test(id));
  if (bad) throw new Error(`--sends: "${bad}" is not a send id`);
  return ids;
}

/** The move the flags ask for; `none` clears a campaign or template. */
function moveOf(flags: Record<string, string>): SendMove {
  const move: SendMove = {};
  if (flags['sent-at'] !== undefined) {
    const at = new Date(flags['sent-at']);
    if (Number.isNaN(at.getTime())) throw new Error(`--sent-at: "${flags['sent-at']}" is not a date`);
    move.sentAt = at;
  }
  if (flags.sender !== undefined) move.senderId = flags.sender;
  if (flags.campaign !== undefined) move.campaignId = flags.campaign === 'none' ? null : flags.campaign;
  if (flags.template !== undefined) move.templateId = flags.template === 'none' ? null : flags.template;
  if (flags.tracked !== undefined) {
    if (!['true', 'false'].includes(flags.tracked)) throw new Error('--tracked is true or false');
    move.tracked = flags.tracked === 'true';
  }
  if (Object.keys(move).length === 0) throw new Error('move: say what changes (--sent-at, --sender, --campaign, --template, --tracked)');
  return move;
}

async function main(): Promise<void> {
  const [command, ...argv] = process.argv.slice(2);
  if (command !== 'move' && command !== 'delete') throw new Error('usage: npm run sends -- move|delete --org O --sends ID[,ID...] ...');
  const flags = parseFlags(argv, command === 'move' ? ['org', 'sends', 'sent-at', 'sender', 'campaign', 'template', 'tracked'] : ['org', 'sends']);
  if (!flags.org) throw new Error('--org is required');
  const move = command === 'move' ? moveOf(flags) : null;
  const all = command === 'delete' && flags.sends === 'all';
  const ids = all ? [] : sendIds(flags.sends);

  const config = loadConfig(process.env, devSecretsUnlessProduction(process.env));
  const database = await openDatabase(config, createLogger('warn'), { migrate: true, poolSize: 2 });
  try {
    const done = move ? await moveSends(database.db, flags.org, ids, move) : all ? await deleteAllSends(database.db, flags.org) : await deleteSends(database.db, flags.org, ids);
    process.stdout.write(`${move ? 'Moved' : 'Deleted'} ${done} send${done === 1 ? '' : 's'} of ${flags.org}, with their figures.\n`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
