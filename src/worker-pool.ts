// Worker threads for CPU work that would otherwise hold the thread answering
// the pixel and the redirect (contract section 8): parsing large request
// bodies, rewriting large emails, serialising large answers. Each pool is a
// piscina pool started on first use; idle threads exit and never keep the
// process alive, so nothing needs closing at shutdown.
import path from 'node:path';
import { Piscina } from 'piscina';

export class WorkersBusyError extends Error {
  constructor() {
    super('the server is busy with other large requests; retry shortly');
  }
}

export interface WorkerPool<Task, Result> {
  /** runs the worker module's export `name` on `task`; `transfer` moves buffers instead of copying them */
  run(name: string, task: Task, transfer?: ArrayBuffer[]): Promise<Result>;
}

/**
 * `modulePath` is the worker module without its extension: the compiled
 * `.js` in dist/, the TypeScript source (through ts-node's hook) under
 * ts-node and Jest. `firstTask` names one of its exports: piscina loads it
 * when a thread starts (without it, it looks for a default export and fails).
 */
export function lazyWorkerPool<Task, Result>(modulePath: string, firstTask: string): WorkerPool<Task, Result> {
  let pool: Piscina<Task, Result> | null = null;
  const compiled = __filename.endsWith('.js');
  return {
    async run(name, task, transfer = []) {
      // Two threads: the machine's other core, and a second large request need
      // not wait behind a first. A queue past 32 tasks is a flood: refused.
      pool ??= new Piscina<Task, Result>({
        filename: `${modulePath}.${compiled ? 'js' : 'ts'}`,
        execArgv: compiled ? [] : ['-r', 'ts-node/register/transpile-only'],
        name: firstTask,
        minThreads: 0,
        maxThreads: 2,
        maxQueue: 32,
        idleTimeout: 30_000,
      });
      try {
        return await pool.run(task, { name, transferList: transfer });
      } catch (error) {
        if (error instanceof Error && error.message === 'Task queue is at limit') throw new WorkersBusyError();
        throw error;
      }
    },
  };
}

export const workerModule = (directory: string, name: string) => path.join(directory, name);
