import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fillDisk } from '../fixtures/checkpoint-disk.js';

/**
 * A small tmpfs mounted on a host's work dir before the cluster starts, so that the chaos
 * schedule can fill that host's disk and free it again. Mounting needs root; where it fails
 * the disk faults are skipped, and `reason` says why.
 */
export class SmallDisk {
  private filler: string | undefined;
  private readonly unmountAtExit = () => this.unmount();

  private constructor(readonly dir: string) {
    process.once('exit', this.unmountAtExit);
  }

  static mount(dir: string, bytes: number): SmallDisk | { reason: string } {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      return { reason: `cannot mount a ${bytes}-byte tmpfs on ${dir}: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}` };
    }
    return new SmallDisk(dir);
  }

  /** An existing mount (a later process of a process-mode run): only filled and freed here. */
  static adopt(dir: string): SmallDisk {
    const disk = new SmallDisk(dir);
    process.removeListener('exit', disk.unmountAtExit);
    return disk;
  }

  fill(): void {
    this.filler ??= fillDisk(this.dir);
  }

  /** Frees the disk, also of a filler left by an earlier process killed while the disk was full. */
  free(): void {
    rmSync(this.filler ?? join(this.dir, 'filler'), { force: true });
    this.filler = undefined;
  }

  unmount(): void {
    process.removeListener('exit', this.unmountAtExit);
    try {
      execFileSync('umount', [this.dir], { stdio: 'pipe' });
    } catch {
      // Already unmounted (the exit hook after an explicit unmount).
    }
  }
}
