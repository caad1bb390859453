// A real receiver of outbound webhooks: a plain node:http server on
// 127.0.0.1 that records every request and answers as the test says (a
// status, or never, like a receiver that hangs).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** the request's path and query */
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  contentType: string;
  body: string;
  /** the body parsed */
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  /** epoch ms when it arrived */
  at: number;
  /** what the receiver answered (null: it never answered) */
  answered: number | null;
}

/** A status to answer with, or 'hang' to never answer. */
export type Answer = number | 'hang';

export class Receiver {
  readonly received: ReceivedWebhook[] = [];
  /** decides each answer; 200 unless the test changes it */
  answer: (request: IncomingMessage, body: string) => Answer = () => 200;
  private readonly server: Server;
  private readonly waiters = new Set<() => void>();
  url = '';

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = this.answer(request, body);
        let json: ReceivedWebhook['json'];
        try {
          json = JSON.parse(body) as ReceivedWebhook['json'];
        } catch {
          json = { type: 'unparsable', timestamp: '', data: {} };
        }
        this.received.push({
          path: request.url ?? '',
          id: String(request.headers['webhook-id'] ?? ''),
          timestamp: String(request.headers['webhook-timestamp'] ?? ''),
          signature: String(request.headers['webhook-signature'] ?? ''),
          contentType: String(request.headers['content-type'] ?? ''),
          body,
          json,
          at: Date.now(),
          answered: answer === 'hang' ? null : answer,
        });
        for (const waiter of this.waiters) waiter();
        if (answer === 'hang') return;
        response.writeHead(answer, { 'content-type': 'text/plain' });
        response.end('ok');
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  /** The requests that carry this type (e.g. 'email.clicked') */
  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter((hook) => hook.json.type === type);
  }

  /** Resolves once `done()` holds (checked at every request), or rejects after `timeoutMs`. */
  waitFor(done: () => boolean, timeoutMs: number, what = 'the webhooks'): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${this.received.length}: ${this.received.map((hook) => hook.json.type).join(', ')}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
