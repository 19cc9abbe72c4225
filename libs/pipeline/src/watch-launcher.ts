/**
 * Set by a launcher (WorkerProcesses) on the workers it starts, to its own
 * pid: the worker's stdin is a pipe from the launcher, and its end means
 * the launcher is gone.
 */
export const LAUNCHER_PIPE_ENV = 'GANGLION_LAUNCHER_PID';

/**
 * In a worker started by a launcher: calls `onGone` as soon as the
 * launcher's end of the stdin pipe closes (it exited, crashed or was
 * killed with SIGKILL: the kernel closes the pipe either way), so the
 * worker does not outlive its job. Does nothing when not started by a
 * launcher. Does not keep the process alive. Returns a stop function.
 */
export function watchLauncher(env: NodeJS.ProcessEnv, stdin: NodeJS.ReadStream, onGone: (launcherPid: string) => void): () => void {
  const launcherPid = env[LAUNCHER_PIPE_ENV];
  if (launcherPid === undefined) return () => undefined;
  const gone = (): void => onGone(launcherPid);
  stdin.on('end', gone);
  stdin.on('error', gone);
  stdin.resume();
  (stdin as { unref?: () => void }).unref?.();
  return () => {
    stdin.off('end', gone);
    stdin.off('error', gone);
    stdin.pause();
  };
}
