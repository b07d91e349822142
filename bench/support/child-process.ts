import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A message between the benchmark and one of its child processes. */
export interface BenchMessage {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** Options of {@link startBenchChild}. */
export interface BenchChildOptions {
  /** Node flags of the child, e.g. `--expose-gc`. */
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** The child is killed when it outlives this, so no run can hang. */
  readonly timeoutMs: number;
}

/** A running child process of the benchmark. */
export interface BenchChild {
  readonly pid: number | undefined;
  /** Resolves with the next message of `kind` the child sends; rejects if it dies first. */
  next<T extends BenchMessage>(kind: string): Promise<T>;
  send(message: BenchMessage): void;
  /** Resolves when the child has exited. */
  readonly exited: Promise<void>;
  kill(): void;
}

/**
 * Forks a compiled benchmark script (a path relative to `.build/bench/`), with an IPC channel and
 * a hard time limit.
 */
export function startBenchChild(script: string, args: readonly string[], options: BenchChildOptions): BenchChild {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const child: ChildProcess = fork(path, [...args], {
    execArgv: [...(options.execArgv ?? [])],
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: BenchMessage[] = [];
  const waiters: { kind: string; resolve: (m: BenchMessage) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | undefined;

  const fail = (error: Error) => {
    failure ??= error;
    for (const waiter of waiters.splice(0)) {
      waiter.reject(failure);
    }
  };
  child.on('message', (message: BenchMessage) => {
    if (message.kind === 'error') {
      fail(new Error(`${script} failed: ${String(message.message)}`));
      return;
    }
    const index = waiters.findIndex((waiter) => waiter.kind === message.kind);
    if (index === -1) {
      inbox.push(message);
    } else {
      waiters.splice(index, 1)[0].resolve(message);
    }
  });
  const timer = setTimeout(() => {
    fail(new Error(`${script} exceeded ${options.timeoutMs} ms and was killed`));
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${script} exited (code ${String(code)}, signal ${String(signal)})`));
      resolve();
    });
  });

  return {
    pid: child.pid,
    next<T extends BenchMessage>(kind: string): Promise<T> {
      const index = inbox.findIndex((message) => message.kind === kind);
      if (index !== -1) {
        return Promise.resolve(inbox.splice(index, 1)[0] as T);
      }
      if (failure) {
        return Promise.reject(failure);
      }
      return new Promise<T>((resolve, reject) => waiters.push({ kind, resolve: resolve as (m: BenchMessage) => void, reject }));
    },
    send(message) {
      child.send(message);
    },
    exited,
    kill() {
      child.kill('SIGKILL');
    },
  };
}

/** Runs a child script to completion and returns the value it reported with {@link runAsBenchChild}. */
export async function runBenchChild<T>(script: string, args: readonly string[], options: BenchChildOptions): Promise<T> {
  const child = startBenchChild(script, args, options);
  const message = await child.next<BenchMessage & { value: T }>('result');
  await child.exited;
  return message.value;
}

/**
 * The body of a child script: runs `main`, sends its value to the parent, then lets the process
 * end. An error is sent as such and exits non-zero.
 */
export function runAsBenchChild<T>(main: () => Promise<T>): void {
  main().then(
    (value) => process.send?.({ kind: 'result', value }, () => process.disconnect?.()),
    (error: unknown) => {
      process.send?.({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1));
    },
  );
}
