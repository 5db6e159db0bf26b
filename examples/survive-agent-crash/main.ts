/**
 * Agent recovery: two frameworks run tasks on the same agent, one with `checkpoint: true` and
 * one without. The agent's worker is killed mid-task (`crashAgent`); its supervisor restarts it
 * and it recovers from its checkpoint. The checkpointing framework's tasks run on and finish;
 * the other framework's tasks end TASK_LOST with the agent. Exits 1 if anything else happened.
 *
 *   npm run example -- survive-agent-crash  (or, after npm run build: node dist/examples/survive-agent-crash/main.js)
 */
import { type Framework, LocalCluster, type TaskStateName, isTerminal } from 'mesolith';
import { jobsModule } from './jobs.js';

const TASKS = 3;
const cluster = await LocalCluster.start({ agents: [{ resources: { cpus: 4, mem: 1_024 } }] });
const [agentId] = cluster.agentIds();

const checkpointing = await cluster.registerFramework({ name: 'checkpointing', checkpoint: true });
const plain = await cluster.registerFramework({ name: 'plain', checkpoint: false });

/** Each task's terminal states, as its framework heard them (a task must end exactly once). */
const endings = new Map<string, TaskStateName[]>();
async function launchAll(framework: Framework): Promise<string[]> {
  framework.on('update', (status) => {
    if (isTerminal(status.state)) endings.set(status.taskId, [...(endings.get(status.taskId) ?? []), status.state]);
  });
  const ids: string[] = [];
  for (let i = 1; i <= TASKS; i++) {
    const { taskId } = await framework.launch({ taskId: `${framework.info.name}-${i}`, cpus: 0.5, mem: 32, run: { kind: 'js', module: jobsModule, export: 'work', args: { ms: 1_500 } } });
    ids.push(taskId);
  }
  await Promise.all(ids.map((id) => framework.waitFor(id, 'TASK_RUNNING')));
  return ids;
}
const kept = await launchAll(checkpointing);
const lost = await launchAll(plain);
console.log(`running: ${[...kept, ...lost].join(', ')}`);

const recovered = cluster.nextRecovery(agentId!);
await cluster.crashAgent(agentId!);
console.log(`crashed: the worker of ${agentId}`);
const recovery = await recovered;
console.log(`recovered: ${recovery.agentId} in ${Math.round(recovery.recoveryMs ?? 0)} ms, ${recovery.reconnected} executor(s) reconnected, ${recovery.tasks} task(s) recovered`);

const finished = await Promise.all(kept.map((id) => checkpointing.waitFor(id, 'TASK_FINISHED', { timeoutMs: 30_000 })));
for (const status of finished) console.log(`checkpointing: ${status.taskId} ${status.state}: ${String(status.data)}`);
const lostUpdates = await Promise.all(lost.map((id) => plain.waitFor(id, 'TASK_LOST', { timeoutMs: 30_000 })));
for (const status of lostUpdates) console.log(`plain: ${status.taskId} ${status.state} (${status.reason})`);

const wrong = [...kept, ...lost].filter((id) => endings.get(id)?.length !== 1);
await cluster.stop();
if (wrong.length > 0) {
  console.log(`FAILED: tasks that did not end exactly once: ${wrong.map((id) => `${id} ${JSON.stringify(endings.get(id))}`).join(', ')}`);
  process.exitCode = 1;
} else {
  console.log(`ok: ${kept.length} checkpointed tasks survived the crash and finished once; ${lost.length} others were lost`);
}
