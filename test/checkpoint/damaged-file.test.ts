import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointDamagedError, CheckpointStore, readState } from '../../src/index.js';
import { MasterRegistry } from '../../src/master/registry.js';
import { AGENT, FRAMEWORK, checkpointRecords } from '../fixtures/checkpoint-data.js';

/**
 * Each damaged file is opened in this very process: were it not refused, LMDB would kill the
 * process (SIGBUS, SIGSEGV) and with it this test file.
 */
const test = suite<{ dir: string }>('damaged checkpoint files');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'mesolith-damaged-'));
});
test.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

const fileOf = (workDir: string) => join(workDir, 'meta', 'checkpoint.mdb');
const PAGE_HEADER = 24;

async function healthyCheckpoint(workDir: string): Promise<Buffer> {
  const store = await CheckpointStore.open(workDir);
  await store.write(checkpointRecords(300, 3));
  await store.close();
  return readFileSync(fileOf(workDir));
}

/** A work dir holding `file` as its checkpoint. */
function workDirWith(parent: string, name: string, file: Buffer): string {
  const workDir = join(parent, name);
  mkdirSync(join(workDir, 'meta'), { recursive: true });
  writeFileSync(fileOf(workDir), file);
  return workDir;
}

/** Where the meta LMDB reads first (the one of the newest transaction) starts, and the page size. */
function newestMeta(file: Buffer): { at: number; pageSize: number } {
  const pageSize = file.readUInt32LE(PAGE_HEADER + 24);
  const txnid = (at: number) => file.readBigUInt64LE(at + 128);
  const first = PAGE_HEADER;
  const second = pageSize + PAGE_HEADER;
  return { at: txnid(first) > txnid(second) ? first : second, pageSize };
}

async function assertRefused(workDir: string, problem: RegExp): Promise<void> {
  for (const open of [() => CheckpointStore.open(workDir), () => readState(workDir)]) {
    const error = (await open().then(
      () => undefined,
      (e: unknown) => e,
    )) as CheckpointDamagedError;
    assert.instance(error, CheckpointDamagedError);
    assert.is(error.code, 'ERR_CHECKPOINT_DAMAGED');
    assert.is(error.path, fileOf(workDir));
    assert.ok(error.message.startsWith(`${fileOf(workDir)} is damaged: `), error.message);
    assert.match(error.message, problem);
    assert.match(error.message, new RegExp(`delete its work dir ${workDir}.*restore the file from a backup`));
  }
}

test('a checkpoint truncated to half is refused, and its lock released', async ({ dir }) => {
  const file = await healthyCheckpoint(join(dir, 'healthy'));
  const workDir = workDirWith(dir, 'cut', file);
  truncateSync(fileOf(workDir), file.length / 2);
  await assertRefused(workDir, /the file ends after \d+ pages .*truncated/);
  writeFileSync(fileOf(workDir), file);
  const restored = await CheckpointStore.open(workDir);
  assert.is((await readState(restored)).agent?.id, AGENT, 'restored from the backup, it opens: the refusal left no lock behind');
  await restored.close();
});

test('a zeroed checkpoint, and one whose meta pages are garbage, are refused', async ({ dir }) => {
  const file = await healthyCheckpoint(join(dir, 'healthy'));
  await assertRefused(workDirWith(dir, 'zeroed', Buffer.alloc(file.length)), /page 0 is not a meta page/);
  const { pageSize } = newestMeta(file);
  const garbage = Buffer.from(file);
  for (let i = 0; i < 2 * pageSize; i++) garbage[i] = (i * 7919 + 13) & 0xff;
  await assertRefused(workDirWith(dir, 'garbage', garbage), /meta page/);
  const secondOnly = Buffer.from(file);
  for (let i = pageSize; i < 2 * pageSize; i++) secondOnly[i] = (i * 31 + 7) & 0xff;
  await assertRefused(workDirWith(dir, 'garbage-1', secondOnly), /page 1 is not a meta page/);
});

test('a flipped bit in a field of the newest meta page that LMDB relies on is refused', async ({ dir }) => {
  const file = await healthyCheckpoint(join(dir, 'healthy'));
  const { at } = newestMeta(file);
  const fields: [string, number, RegExp][] = [
    ['magic', 0, /magic/],
    ['version', 4, /data version/],
    ['page size', 24 + 1, /page size/],
    ['main tree root', 72 + 40, /main tree/],
    ['main tree depth', 72 + 6, /main tree/],
    ['main tree entries', 72 + 32, /main tree .*entries/],
    ['last page (high bit)', 120 + 5, /last page/],
    ['txnid', 128, /txnid/],
  ];
  for (const [field, offset, problem] of fields) {
    const flipped = Buffer.from(file);
    flipped[at + offset]! ^= 0x01;
    await assertRefused(workDirWith(dir, field.replace(/\W/g, '-'), flipped), problem);
  }
});

test('no flipped bit anywhere in the meta pages crashes the process: each is refused or harmless', async ({ dir }) => {
  const file = await healthyCheckpoint(join(dir, 'healthy'));
  const { pageSize } = newestMeta(file);
  let refused = 0;
  let opened = 0;
  for (const meta of [PAGE_HEADER, pageSize / 2 + PAGE_HEADER, pageSize + PAGE_HEADER]) {
    for (let offset = 0; offset < 144; offset++) {
      const flipped = Buffer.from(file);
      flipped[meta + offset]! ^= 0x80 >> offset % 8;
      const workDir = workDirWith(dir, `flip-${meta}-${offset}`, flipped);
      try {
        await readState(workDir, { strict: false });
        const store = await CheckpointStore.open(workDir);
        await readState(store, { strict: false });
        await store.write({ type: 'boot-id', bootId: 'after the flip' });
        await store.close();
        opened++;
      } catch (error) {
        if (!(error instanceof CheckpointDamagedError)) throw error;
        refused++;
      }
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  // A meta page has no checksum: flips in fields LMDB does not rely on (the map size, the boot
  // id, the older meta's counters) are harmless, and are let through.
  assert.ok(refused > 100 && opened > 100, `${refused} refused, ${opened} harmless`);
});

test('garbage in a tree page is refused', async ({ dir }) => {
  const file = await healthyCheckpoint(join(dir, 'healthy'));
  const { at, pageSize } = newestMeta(file);
  // The main tree's root holds the records database's record, which points at its root.
  const mainRoot = Number(file.readBigUInt64LE(at + 72 + 40));
  const damaged = Buffer.from(file);
  damaged.fill(0x5a, mainRoot * pageSize + PAGE_HEADER, (mainRoot + 1) * pageSize);
  await assertRefused(workDirWith(dir, 'garbage-page', damaged), /page \d+ of the main tree/);
});

test('a healthy checkpoint, a fresh work dir, and a zero-length checkpoint file open', async ({ dir }) => {
  const healthy = join(dir, 'healthy');
  await healthyCheckpoint(healthy);
  assert.is((await readState(healthy)).agent?.frameworks.get(FRAMEWORK)?.executors.size, 3);
  const store = await CheckpointStore.open(healthy);
  await store.close();

  const fresh = join(dir, 'fresh');
  assert.match((await readState(fresh)).warnings[0]!, /no checkpoint at/);
  const created = await CheckpointStore.open(fresh);
  await created.close();

  // Left by an agent killed between LMDB creating the file and writing its meta pages.
  const empty = workDirWith(dir, 'empty', Buffer.alloc(0));
  const state = await readState(empty);
  assert.is(state.agent, undefined);
  assert.match(state.warnings[0]!, /is empty: its agent stopped before its first write/);
  const initialised = await CheckpointStore.open(empty);
  await initialised.write({ type: 'boot-id', bootId: 'b' });
  await initialised.close();
  assert.is((await readState(empty)).bootId, 'b');

  // Killed a step later: the meta pages are written, the records database is not created yet.
  const unwritten = join(dir, 'unwritten');
  mkdirSync(join(unwritten, 'meta'), { recursive: true });
  await open({ path: fileOf(unwritten), noSubdir: true }).close();
  assert.match((await readState(unwritten)).warnings[0]!, /is empty: its agent stopped before its first write/);
});

test('a checkpoint another process is writing is not taken for damaged', async ({ dir }) => {
  const writer = spawn(process.execPath, [fileURLToPath(new URL('../fixtures/checkpoint-writer.js', import.meta.url)), dir, '16'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    // Wait for acknowledged writes, so that the file exists and keeps changing.
    await new Promise<void>((resolve) => {
      let lines = 0;
      writer.stdout.on('data', (chunk: Buffer) => {
        lines += chunk.toString().split('\n').length - 1;
        if (lines > 200) resolve();
      });
    });
    for (let i = 0; i < 30; i++) {
      const state = await readState(dir, { strict: true });
      assert.is(state.errors, 0);
    }
  } finally {
    writer.kill('SIGKILL');
    await once(writer, 'exit');
  }
});

test('a damaged master registry is refused with the same code; a healthy one opens', async ({ dir }) => {
  const registry = MasterRegistry.open(dir);
  await registry.admitAgent('agent-1' as never, { hostname: 'h', resources: { cpus: 1, mem: 1 }, attributes: {} });
  await registry.close();
  const path = join(dir, 'registry.mdb');
  const file = readFileSync(path);
  truncateSync(path, file.length / 2);
  let error: unknown;
  try {
    MasterRegistry.open(dir);
  } catch (e) {
    error = e;
  }
  assert.instance(error, CheckpointDamagedError);
  assert.is((error as CheckpointDamagedError).path, path);
  assert.match((error as Error).message, /Restore it from a backup, or delete it/);
  writeFileSync(path, file);
  const reopened = MasterRegistry.open(dir);
  assert.equal([...reopened.read().agents.keys()], ['agent-1']);
  await reopened.close();
});

test.run();
