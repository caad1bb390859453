// Runs in a worker thread (src/worker-pool.ts): the JSON work on large
// bodies and answers, so the thread answering the pixel and the redirect
// never spends a JSON.parse or JSON.stringify of megabytes. Values cross
// threads by structured clone; the bounds keep that copy shallow and small.
import { parseBoundedJson, type BoundedJson, type JsonBounds } from '../bounded-json';

export interface ParseTask {
  /** the body's bytes in blocks (src/http/body.ts), transferred from the main thread, `length` in all */
  blocks: ArrayBuffer[];
  length: number;
  bounds: JsonBounds;
}

export function parse(task: ParseTask): BoundedJson {
  const bytes = Buffer.concat(task.blocks.map((block) => new Uint8Array(block)), task.length);
  return parseBoundedJson(bytes.toString('utf8'), task.bounds);
}

export function stringify(value: unknown): string {
  return JSON.stringify(value);
}
