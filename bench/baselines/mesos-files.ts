/**
 * The baseline: how Mesos checkpoints (src/slave/state.hpp `checkpoint()`, and the task status
 * update stream in src/slave/task_status_update_manager.cpp), in Node. Every info record is its
 * own file, written to a temp file, fsynced, and renamed over the target; status updates and
 * acknowledgements are appended to the task's `task.updates` file, fsynced after each append.
 * Records are encoded exactly as mesolith's store encodes them, so only the I/O differs.
 */
import { type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type CheckpointRecord, checkpointKeys as keys } from '../../src/index.js';
import { encodeValue } from '../../src/checkpoint/records.js';

export class MesosStyleCheckpointer {
  private readonly dirs = new Set<string>();
  private readonly streams = new Map<string, Promise<FileHandle>>();
  private tmpCounter = 0;

  constructor(private readonly root: string) {}

  async write(record: CheckpointRecord): Promise<void> {
    switch (record.type) {
      case 'update':
        return this.append(record.task, { kind: 'update', update: record.update });
      case 'ack':
        return this.append(record.task, { kind: 'ack', uuid: record.uuid });
      case 'task':
        return this.checkpoint(keys.taskInfo(record.task), { info: record.info });
      default:
        throw new Error(`the baseline benchmark writes tasks and updates only, not ${record.type}`);
    }
  }

  /** state::checkpoint: temp file, write, fsync, rename. */
  private async checkpoint(key: string, payload: unknown): Promise<void> {
    const path = join(this.root, key);
    await this.ensureDir(dirname(path));
    const temp = `${path}.tmp${++this.tmpCounter}`;
    const file = await open(temp, 'w');
    try {
      await file.write(encodeValue(payload));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  }

  /** The update stream: one open file per task, append then fsync. */
  private async append(task: Parameters<typeof keys.taskPrefix>[0], payload: unknown): Promise<void> {
    const path = join(this.root, keys.taskPrefix(task), 'task.updates');
    let file = this.streams.get(path);
    if (file === undefined) {
      file = this.ensureDir(dirname(path)).then(() => open(path, 'a'));
      this.streams.set(path, file);
    }
    const handle = await file;
    const value = encodeValue(payload);
    const framed = Buffer.allocUnsafe(4 + value.length);
    framed.writeUInt32LE(value.length, 0);
    value.copy(framed, 4);
    await handle.write(framed);
    await handle.sync();
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.dirs.add(dir);
  }

  async close(): Promise<void> {
    for (const file of this.streams.values()) await (await file).close();
    this.streams.clear();
  }
}
