import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Real filesystems for storage-fault tests: a small tmpfs (a disk that
 * fills up) and a read-only bind mount. Needs root (or CAP_SYS_ADMIN);
 * `mountSupport()` says whether this machine allows it, and why not.
 */
export class ScratchMount {
  private mounted = false;

  private constructor(readonly folder: string) {}

  /** Mounts a tmpfs of `sizeBytes` at a new folder. */
  static tmpfs(sizeBytes: number): ScratchMount {
    const mount = new ScratchMount(fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-tmpfs-')));
    mount.run(['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', mount.folder]);
    return mount;
  }

  /** Bind-mounts `source` read-only at a new folder. */
  static readOnly(source: string): ScratchMount {
    const mount = new ScratchMount(fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-ro-')));
    mount.run(['--bind', source, mount.folder]);
    mount.run(['-o', 'remount,bind,ro', mount.folder]);
    return mount;
  }

  /** Grows (or shrinks) a tmpfs in place: "free space" without touching its files. */
  resize(sizeBytes: number): void {
    this.run(['-o', `remount,size=${sizeBytes}`, this.folder]);
  }

  /** Lazy unmount (a process still inside cannot block it), then removes the folder. */
  dispose(): void {
    if (this.mounted) spawnSync('umount', ['-l', this.folder], { timeout: 10_000 });
    this.mounted = false;
    fs.rmSync(this.folder, { recursive: true, force: true });
  }

  private run(args: string[]): void {
    const result = spawnSync('mount', args, { encoding: 'utf8', timeout: 10_000 });
    if (result.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
    this.mounted = true;
  }
}

/** Whether tmpfs and bind mounts work here: `{ ok: true }`, or why not (not root, no mount(8), a container without CAP_SYS_ADMIN). */
export function mountSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `mounts are tried on Linux only, this is ${process.platform}` };
  let probe: ScratchMount | undefined;
  try {
    probe = ScratchMount.tmpfs(1024 * 1024);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `cannot mount a tmpfs here (${(error as Error).message.trim()}); run as root or with CAP_SYS_ADMIN` };
  } finally {
    probe?.dispose();
  }
}
