import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fillDisk, withSmallDisk } from '../fixtures/checkpoint-disk.js';
import { testHost, withCluster } from '../helpers.js';
import { MasterRegistry } from '../../src/master/registry.js';
import type { FrameworkId } from '../../src/index.js';

const test = suite('cluster: a full disk under the master');

/** Attributes too big for the pages the registry already has free: writing them needs the disk. */
const bigAttributes = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`a${i}`, 'v'.repeat(1_000)]));

/** Runs `body` with a cluster work dir whose master's registry lives on a small disk of its own (the rest elsewhere). */
function withRegistryOnSmallDisk(body: (workDir: string, disk: string) => Promise<void>): Promise<void> {
  return withSmallDisk(16 * 1024 * 1024, async (disk) => {
    const workDir = mkdtempSync(join(tmpdir(), 'mesolith-registry-'));
    const masterDir = join(workDir, 'master');
    mkdirSync(masterDir);
    execFileSync('mount', ['--bind', disk, masterDir]);
    try {
      await body(workDir, disk);
    } finally {
      execFileSync('umount', [masterDir]);
      rmSync(workDir, { recursive: true, force: true });
    }
  });
}

test('a registry write that fails is not acted on: the master says so, keeps serving, and applies it once space returns', () =>
  withRegistryOnSmallDisk(async (workDir, disk) => {
    await withCluster({ workDir, agents: [testHost, testHost], agent: { reconfigurationPolicy: 'additive', registrationRetryMs: 100 } }, async (cluster) => {
      const [agentId, other] = cluster.agentIds();
      const fw = await cluster.registerFramework({ name: 'before' });
      const failed = cluster.events.next('master.registry_failed');
      const filler = fillDisk(disk);
      // An additive reconfiguration is recorded (Mesos UpdateSlave) before the agent is readmitted.
      const readmitted = cluster.restartAgent(agentId!, undefined, { attributes: { ...testHost.attributes, ...bigAttributes } });
      readmitted.catch(() => undefined);
      const { failure } = await failed;
      assert.is(failure.code, 'ERR_CHECKPOINT_DISK_FULL');
      assert.match(failure.path ?? '', /master\/registry\.mdb$/);
      const state = await cluster.state();
      assert.is(state.registryFailure?.code, 'ERR_CHECKPOINT_DISK_FULL', 'state() says so');
      // It keeps serving what needs no write: state, and tasks on the other agent.
      const { agentId: ranOn } = await fw.launch({ cpus: 0.1, mem: 8, run: { kind: 'command', command: 'true' } });
      assert.is(ranOn, other);
      await fw.waitFor((await cluster.state()).tasks.find((t) => t.agentId === other)!.taskId, 'TASK_FINISHED');
      const recovered = cluster.events.next('master.registry_recovered');
      rmSync(filler);
      const recovery = await readmitted;
      assert.is(recovery.agentId, agentId, 'readmitted once its new info is recorded');
      assert.ok((await recovered).failedForMs > 0);
      assert.is((await cluster.state()).registryFailure, undefined);
    });
  }));

test('a framework torn down while the registry cannot be written is removed from it once space returns: a restarted master does not bring it back', () =>
  withRegistryOnSmallDisk(async (workDir, disk) => {
    let torn = '';
    await withCluster({ workDir, agents: [testHost], master: { registryRetryMs: 50 } }, async (cluster) => {
      const fw = await cluster.registerFramework({ name: 'leaving' });
      torn = fw.frameworkId;
      const failed = cluster.events.next('master.registry_failed');
      const filler = fillDisk(disk);
      const removed = cluster.events.next('master.framework_removed');
      fw.teardown();
      await removed;
      assert.is((await failed).failure.code, 'ERR_CHECKPOINT_DISK_FULL');
      const recovered = cluster.events.next('master.registry_recovered', () => true, 10_000);
      rmSync(filler);
      assert.ok((await recovered).failedForMs > 0, 'the removal is written again by itself');
    });
    const registry = MasterRegistry.open(join(workDir, 'master'));
    try {
      assert.not.ok(registry.read().frameworks.has(torn as FrameworkId), 'the registry no longer holds the torn-down framework');
    } finally {
      await registry.close();
    }
  }));

test.run();
