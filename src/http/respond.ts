// Small helpers for plain JSON answers.
import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: message }, headers);
}

/** Characters written at a time by endInSlices: encoding 64 Ki of them takes well under a millisecond. */
const SLICE_CHARS = 64 * 1024;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Ends the response with `text`, a slice at a time, with a turn of the event
 * loop between slices: one write of an answer holding an 8 MiB email encoded
 * it all at once on the main thread (tens of ms, hundreds on a loaded
 * machine). Waiting for the socket alone is not enough: a write the socket
 * takes at once drains without a turn, so every slice ran in one go (300 ms
 * on a loaded machine, the pixel waiting).
 */
export async function endInSlices(res: ServerResponse, text: string): Promise<void> {
  for (let at = 0; at < text.length && !res.destroyed; ) {
    let end = Math.min(text.length, at + SLICE_CHARS);
    // Never between the halves of a surrogate pair: each alone would be written as U+FFFD.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    const flushed = res.write(text.slice(at, end));
    at = end;
    if (!flushed) await drainedOrClosed(res);
    // After the poll phase: the requests that arrived meanwhile are answered first.
    if (at < text.length) await nextTurn();
  }
  res.end();
}

/** Resolves when the socket takes more, or is gone (a client that left never drains). */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
