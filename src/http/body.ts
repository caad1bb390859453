// Reads a request body up to a limit. Oversize bodies are refused as soon as
// the limit is passed (or announced by Content-Length), without buffering
// them. The bytes are copied into blocks of at most 1 MiB as they arrive, so
// a large body is never copied in one piece on the main thread (a 10 MB
// Buffer.concat held it 200 ms on a loaded machine), and each block is an
// ArrayBuffer of its own, which a worker thread takes without a copy.
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

const BLOCK_BYTES = 1024 * 1024;
/**
 * How long the rest of an oversize body is discarded after the refusal, so
 * the client, still sending, reads the 413 instead of a reset (closing a
 * socket with unread bytes resets it); then the connection is cut.
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
  if (known && announced > limit) {
    discardRestBriefly(req);
    return Promise.reject(new BodyTooLargeError(limit));
  }
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
        discardRestBriefly(req);
        reject(new BodyTooLargeError(limit));
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

/** Reads and drops what is left of the body for LINGER_MS at most, then closes the connection. */
function discardRestBriefly(req: IncomingMessage): void {
  req.resume();
  const cut = setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
  req.once('end', () => clearTimeout(cut));
}
