// examples/readme/checkpoint.ts
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentIdSchema, CheckpointStore, ExecutorIdSchema, FrameworkIdSchema, RunIdSchema, TaskIdSchema, parseId, readState } from 'mesolith';

const workDir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
const agentId = parseId(AgentIdSchema, 'agent-1', 'agentId');   // ids are checked where they enter
const frameworkId = parseId(FrameworkIdSchema, 'framework-1', 'frameworkId');
const executorId = parseId(ExecutorIdSchema, 'default', 'executorId');
const runId = parseId(RunIdSchema, randomUUID(), 'runId');
const taskId = parseId(TaskIdSchema, 'resize-7', 'taskId');
const run = { agentId, frameworkId, executorId, runId };
const task = { ...run, taskId };

const store = await CheckpointStore.open(workDir);            // takes the work dir lock
await store.write([                                           // one call: all or nothing
  { type: 'boot-id', bootId: randomUUID() },
  { type: 'agent', agentId, info: { hostname: 'host-1', resources: { cpus: 2, mem: 1_024 }, attributes: {} } },
  { type: 'framework', agentId, frameworkId, info: { name: 'jobs', checkpoint: true } },
  { type: 'executor', agentId, frameworkId, executorId, info: { name: 'default', isolation: 'shared', kind: 'default' } },
  { type: 'run', run, pid: null },
  { type: 'task', task, info: { name: 'resize-7', resources: { cpus: 0.5, mem: 64 }, command: 'true' } },
]);
const update = { uuid: randomUUID(), state: 'TASK_RUNNING' as const, timestamp: Date.now() };
await store.write({ type: 'update', task, seq: 0, update });   // resolves once flushed to disk
const state = await readState(store, { strict: true });        // agent → frameworks → … → tasks
const saved = state.agent?.frameworks.get(frameworkId)?.executors.get(executorId)?.runs.get(runId)?.tasks.get(taskId);
console.log(saved?.updates.map((u) => u.state), state.errors, state.warnings);   // [ 'TASK_RUNNING' ] 0 []
await store.close();
rmSync(workDir, { recursive: true, force: true });
