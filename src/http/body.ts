// Reads a request body up to a limit. Oversize bodies are refused as soon as
// the limit is passed (or announced by Content-Length), without buffering
// them, and the rest is dropped while the refusal is read. The bytes are copied into blocks of at most 1 MiB as they arrive, so
// a large body is never copied in one piece on the main thread (a 10 MB
// Buffer.concat held it 200 ms on a loaded machine), and each block is an
// ArrayBuffer of its own, which a worker thread takes without a copy.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    /** true once the rest of the body is read and dropped; false when the client left or LINGER_MS passed */
    readonly restDropped: Promise<boolean>,
  ) {
    super(`request body exceeds ${limit} bytes`);
  }
}

const BLOCK_BYTES = 1024 * 1024;
/**
 * How long the rest of an oversize body is read and dropped after the
 * refusal was written, so the client, still sending, reads the 413 instead
 * of a reset (closing a socket with unread bytes resets it); then the
 * connection is cut.
 */
const LINGER_MS = 2_000;
/** Without Content-Length the size is unknown: a small first block, so a small body costs little. */
const FIRST_UNANNOUNCED_BLOCK_BYTES = 64 * 1024;

export class ReceivedBody {
  constructor(
    /** the bytes, in order; the last block may be filled only in part */
    readonly blocks: readonly Buffer[],
    readonly length: number,
  ) {}

  /** The bytes in one Buffer: for small bodies, where a copy costs nothing. */
  toBuffer(): Buffer {
    return this.blocks.length === 1 ? this.blocks[0].subarray(0, this.length) : Buffer.concat(this.blocks, this.length);
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<ReceivedBody> {
  const announced = Number(req.headers['content-length']);
  const known = Number.isFinite(announced);
  if (known && announced > limit) return Promise.reject(new BodyTooLargeError(limit, dropRest(req)));
  return new Promise((resolve, reject) => {
    const blocks: Buffer[] = [];
    let size = 0;
    let free = 0; // bytes left in the last block
    let done = false;
    const nextBlock = () => {
      const wanted = known ? announced - size : blocks.length === 0 ? FIRST_UNANNOUNCED_BLOCK_BYTES : BLOCK_BYTES;
      // allocUnsafeSlow: never a slice of Node's shared pool, so it can be transferred.
      blocks.push(Buffer.allocUnsafeSlow(Math.max(1, Math.min(BLOCK_BYTES, wanted, limit - size))));
      free = blocks[blocks.length - 1].length;
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      if (size + chunk.length > limit) {
        done = true;
        blocks.length = 0;
        reject(new BodyTooLargeError(limit, dropRest(req)));
        return;
      }
      for (let at = 0; at < chunk.length; ) {
        if (free === 0) nextBlock();
        const block = blocks[blocks.length - 1];
        const copied = chunk.copy(block, block.length - free, at, at + Math.min(free, chunk.length - at));
        at += copied;
        size += copied;
        free -= copied;
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(new ReceivedBody(blocks, size));
    });
    req.on('error', (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}

/** Reads and drops what is left of the body; resolves true at its end, false when the client left or after LINGER_MS. */
function dropRest(req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    if (req.complete) return resolve(true);
    const settle = () => {
      clearTimeout(timer);
      req.off('end', settle).off('close', settle);
      resolve(req.complete);
    };
    const timer = setTimeout(settle, LINGER_MS).unref();
    req.once('end', settle).once('close', settle);
    req.resume();
  });
}

/**
 * Answers an oversize body with 413 at once, and ends the answer only when
 * the rest of the body is dropped (RFC 9112 section 9.6's staged close): the
 * answer is complete by its Content-Length as soon as it is written, but
 * Node closes the socket when the answer ends, and a close with unread bytes
 * resets the connection, losing the answer for a client still sending.
 */
export async function refuseOversize(res: ServerResponse, error: BodyTooLargeError, message: string, headers: Record<string, string> = {}): Promise<void> {
  const payload = JSON.stringify({ error: message });
  res.writeHead(413, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
    connection: 'close',
  });
  res.write(payload);
  const dropped = await error.restDropped;
  res.end();
  // A client still sending after LINGER_MS has had its answer that long.
  if (!dropped) res.socket?.destroy();
}
