// JSON for request bodies and GraphQL answers, without holding the main
// thread: small ones here (a bounded scan and JSON.parse of 64 KiB take well
// under a millisecond), large ones on a worker thread, which runs this same
// module's `parse` and `stringify`. Only authenticated callers can send the
// large bodies (graphql-body.ts). Values cross threads by structured clone;
// the bounds keep that copy shallow and small.
import { parseBoundedJson, type BoundedJson, type JsonBounds } from '../bounded-json';
import { lazyWorkerPool, workerModule } from '../worker-pool';
import type { ReceivedBody } from './body';

/** Up to this, parsing on the main thread costs less than handing the bytes to a worker. */
export const MAIN_THREAD_JSON_BYTES = 64 * 1024;

export interface ParseTask {
  /** the body's bytes in blocks (body.ts), transferred from the main thread, `length` in all */
  blocks: ArrayBuffer[];
  length: number;
  bounds: JsonBounds;
}

/** On the worker: the body decoded and parsed, bounds first. */
export function parse(task: ParseTask): BoundedJson {
  const bytes = Buffer.concat(task.blocks.map((block) => new Uint8Array(block)), task.length);
  return parseBoundedJson(bytes.toString('utf8'), task.bounds);
}

/**
 * On the worker: an answer serialised, with Apollo's closing newline. Added
 * here, the text reaches the main thread in one piece; added there, it is a
 * concatenation V8 copies again (8 MiB) when the answer is first sliced.
 */
export function stringify(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

const workers = lazyWorkerPool<ParseTask | unknown, BoundedJson | string>(workerModule(__dirname, 'json-off-thread'), 'parse');

export async function parseJsonBody(body: ReceivedBody, bounds: JsonBounds): Promise<BoundedJson> {
  if (body.length <= MAIN_THREAD_JSON_BYTES) return parseBoundedJson(body.toBuffer().toString('utf8'), bounds);
  // The blocks are moved to the worker, not copied (readBody gives each its own ArrayBuffer).
  const blocks = body.blocks.map((block) => block.buffer as ArrayBuffer);
  return (await workers.run('parse', { blocks, length: body.length, bounds }, blocks)) as BoundedJson;
}

/**
 * Whether the strings in `value` add up to more than `limit` characters:
 * what makes JSON.stringify slow. Stops as soon as they do, so a large
 * answer costs a partial walk and a small one a walk of what is there.
 */
function holdsMoreText(value: unknown, limit: number): boolean {
  let total = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      total += next.length;
      if (total > limit) return true;
    } else if (typeof next === 'object' && next !== null) {
      for (const member of Object.values(next)) pending.push(member);
    }
  }
  return false;
}

/** An answer holding an email (up to 8 MiB of HTML) is serialised off the main thread; a newline ends it, as Apollo's own does. */
export async function stringifyAnswer(value: unknown): Promise<string> {
  return holdsMoreText(value, MAIN_THREAD_JSON_BYTES) ? ((await workers.run('stringify', value)) as string) : stringify(value);
}
