import { type ChildProcess, spawn } from 'node:child_process';

/** How a command ended, and what it printed. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of the npm and node processes this test starts. The npm that runs `npm test` exports its
 * configuration to it, which must not steer the pack and the installs (under `npm publish --dry-run`,
 * prepublishOnly's `npm test` gets npm_config_dry_run=true, and `npm pack` would then write no tarball): of
 * npm's variables only where its cache, registry and configuration files are stay. NODE_OPTIONS and
 * NODE_PATH could load or find modules from elsewhere.
 */
export function childEnv(changes: EnvChanges = {}): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig']);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) || keep.has(name.toLowerCase())),
  );
  delete env.NODE_OPTIONS;
  delete env.NODE_PATH;
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Variables to set, or (`undefined`) to remove, in a child's environment. */
export type EnvChanges = Record<string, string | undefined>;

/** Runs a command in its own process group, killed (and rejected, with its output) after the deadline. */
export function run(
  command: string,
  args: string[],
  cwd: string,
  deadlineMs: number,
  env: EnvChanges = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: childEnv(env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} did not end within ${deadlineMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, deadlineMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function mustRun(command: string, args: string[], cwd: string, deadlineMs: number): Promise<Run> {
  const result = await run(command, args, cwd, deadlineMs);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited with ${result.code}.\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
  return result;
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A server process started by {@link startServer}. */
export interface RunningServer {
  /** What matched `ready` in its output. */
  ready: RegExpExecArray;
  /** What it printed so far on stdout. */
  stdout(): string;
  /** What it printed so far, stdout then stderr. */
  output(): string;
  /**
   * Sends `signal` to its process group (npm passes it on to the script it runs) and resolves with how the
   * process ended once it has; rejects, killing the group, after `deadlineMs`.
   */
  stop(signal: NodeJS.Signals, deadlineMs: number): Promise<Ended>;
}

/** What {@link startServer} starts. */
export interface ServerCommand {
  command: string;
  args: string[];
  cwd: string;
  env?: EnvChanges;
  /** Its stdout saying it serves. */
  ready: RegExp;
  deadlineMs: number;
}

/**
 * Starts a command in its own process group and resolves once its stdout matches `ready`; rejects (killing it)
 * if it ends first or says nothing of the kind within the deadline.
 */
export function startServer({
  command,
  args,
  cwd,
  env = {},
  ready,
  deadlineMs,
}: ServerCommand): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, {
      cwd,
      env: childEnv(env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const what = `${command} ${args.join(' ')}`;
    let stdout = '';
    let stderr = '';
    const output = () => `stdout:\n${stdout}\nstderr:\n${stderr}`;
    const exited = new Promise<Ended>((done) => child.on('close', (code, signal) => done({ code, signal })));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`${what} did not start serving within ${deadlineMs} ms.\n${output()}`));
    }, deadlineMs);
    child.on('error', reject);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${what} ended (${signal ?? code}) before serving.\n${output()}`));
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = ready.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        ready: match,
        stdout: () => stdout,
        output,
        stop: async (signal, stopDeadlineMs) => {
          process.kill(-child.pid!, signal);
          let timeout: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, fail) => {
            timeout = setTimeout(() => {
              process.kill(-child.pid!, 'SIGKILL');
              fail(new Error(`${what} did not end within ${stopDeadlineMs} ms of ${signal}.\n${output()}`));
            }, stopDeadlineMs);
          });
          try {
            return await Promise.race([exited, late]);
          } finally {
            clearTimeout(timeout);
          }
        },
      });
    });
  });
}
