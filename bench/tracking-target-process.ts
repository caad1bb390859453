// Drives bench/tracking-target.ts, the system under load, in a process of
// its own so the load generator does not share its event loop: starts it,
// and asks it over signals for its figures (see that file for the protocol).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface Target {
  url: string;
  pid: number;
  /** events written so far and the peak RSS since the last mark */
  mark(): Promise<Record<string, number>>;
  /** writes the backlog of the load so far; resolves with its size and how long it took */
  flush(): Promise<Record<string, number>>;
  stop(): Promise<Record<string, number>>;
}

export function startTarget(args: string[], env: Record<string, string>): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'tracking-target.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`benchmark target exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\S+)\n/.exec(output);
      if (!ready) return;
      child.removeAllListeners('exit');
      const reply = (line: RegExp, signal: NodeJS.Signals) =>
        new Promise<Record<string, number>>((done) => {
          output = '';
          const listen = () => {
            const answer = line.exec(output);
            if (!answer) return;
            child.stdout?.off('data', listen);
            done(JSON.parse(answer[1]) as Record<string, number>);
          };
          child.stdout?.on('data', listen);
          child.kill(signal);
        });
      resolve({
        url: ready[1],
        pid: child.pid ?? 0,
        mark: () => reply(/MARK (.*)\n/, 'SIGUSR1'),
        flush: () => reply(/FLUSHED (.*)\n/, 'SIGUSR2'),
        stop: () => reply(/DONE (.*)\n/, 'SIGTERM'),
      });
    });
  });
}
