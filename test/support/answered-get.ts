// A GET as a mail client makes it, for tests that send traffic to a server
// process: its own connections (let go after 1 s idle, well before the
// server's 5 s), and tried again, after a pause, when the connection fails
// before an answer. On a loaded machine the test's process can stall for
// seconds; the server then closes sockets idle on its side, and the next
// requests go out on sockets whose close the test has not read yet ("other
// side closed", CI 2026-12-08), the retry on another such socket. The pause
// lets the closes be read first. A request that got no answer reached no
// handler (the server closes only idle sockets), so nothing was recorded
// and trying again counts nothing twice.
import { Agent, request } from 'undici';

const agent = new Agent({ keepAliveTimeout: 1_000, keepAliveMaxTimeout: 1_000 });
const ATTEMPTS = 4;
const PAUSE_MS = 50;

/** The status of a GET of `url`; redirects are not followed. */
export async function answeredGet(url: string, headers: Record<string, string>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await request(url, { dispatcher: agent, headers });
      await response.body.dump();
      return response.statusCode;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= ATTEMPTS || (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET')) throw error;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * attempt));
    }
  }
}
