// The live benchmark's stream clients, in a worker thread of their own: 1,000
// streams read and parsed on the thread that runs autocannon would delay the
// pixel's answers as autocannon sees them (its latency includes its own
// event loop's delay), and the pixel's p99 would measure the benchmark. Each
// stream is read by hand; per event id, the time it arrived.
import { request, type ClientRequest } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface StreamReaders {
  /** opens a stream per token, 50 at a time; resolves once every one is answered 200 */
  open(tokens: readonly string[]): Promise<void>;
  /** forgets the arrivals so far */
  clear(): Promise<void>;
  /** per event id, when it arrived (epoch ms) */
  arrivals(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

type Ask = { ask: 'open'; tokens: string[] } | { ask: 'clear' } | { ask: 'arrivals' } | { ask: 'close' };
type Answer = { error?: string; arrivals?: [string, number][] };

const ROLE = 'live-stream-readers';

export function startStreamReaders(url: string): StreamReaders {
  const worker = new Worker(__filename, { workerData: { role: ROLE, url } });
  const answers: ((answer: Answer) => void)[] = [];
  worker.on('message', (answer: Answer) => answers.shift()?.(answer));
  const call = (ask: Ask) =>
    new Promise<Answer>((resolve, reject) => {
      answers.push((answer) => (answer.error ? reject(new Error(answer.error)) : resolve(answer)));
      worker.postMessage(ask);
    });
  return {
    open: async (tokens) => void (await call({ ask: 'open', tokens: [...tokens] })),
    clear: async () => void (await call({ ask: 'clear' })),
    arrivals: async () => new Map((await call({ ask: 'arrivals' })).arrivals),
    close: async () => {
      await call({ ask: 'close' });
      await worker.terminate();
    },
  };
}

function openStream(url: string, token: string, arrivals: Map<string, number>): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query: 'subscription { activity { id } }' });
    const req = request(`${url}/graphql/stream`, {
      method: 'POST',
      agent: false,
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) },
    });
    req.once('response', (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream refused: ${res.statusCode}`));
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        const messages = buffered.split('\n\n');
        buffered = messages.pop() ?? '';
        for (const message of messages) {
          const id = /"id":"([^"]+)"/.exec(message)?.[1];
          if (id) arrivals.set(id, Date.now());
        }
      });
      res.on('error', () => undefined);
      resolve(req);
    });
    req.once('error', reject);
    req.end(body);
  });
}

function serve(url: string): void {
  const arrivals = new Map<string, number>();
  const streams: ClientRequest[] = [];
  const answer = async (ask: Ask): Promise<Answer> => {
    switch (ask.ask) {
      case 'open':
        for (let start = 0; start < ask.tokens.length; start += 50) {
          streams.push(...(await Promise.all(ask.tokens.slice(start, start + 50).map((token) => openStream(url, token, arrivals)))));
        }
        return {};
      case 'clear':
        arrivals.clear();
        return {};
      case 'arrivals':
        return { arrivals: [...arrivals] };
      case 'close':
        streams.forEach((stream) => stream.destroy());
        return {};
    }
  };
  parentPort!.on('message', (ask: Ask) => {
    answer(ask).then(
      (reply) => parentPort!.postMessage(reply),
      (error: unknown) => parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) serve((workerData as { url: string }).url);
