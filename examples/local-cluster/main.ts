/**
 * A framework on a local cluster (a master and two agents, each in a worker thread): it
 * launches JS tasks and shell commands, watches their updates, kills one and reconciles.
 *
 *   npm run example -- local-cluster        (or, after npm run build: node dist/examples/local-cluster/main.js)
 */
import { LocalCluster, type TaskStatus } from 'mesolith';
import { jobsModule } from './jobs.js';

const host = { resources: { cpus: 2, mem: 1_024 } };
const cluster = await LocalCluster.start({ agents: [host, host] });
console.log(`cluster: agents ${cluster.agentIds().join(', ')}`);

const framework = await cluster.registerFramework({ name: 'example' });
framework.on('update', (status: TaskStatus) => {
  const detail = status.reason === undefined ? '' : ` (${status.reason})`;
  console.log(`update: ${status.taskId} ${status.state}${detail}`);
});

// A JS task in the framework's default executor on its agent: an exported function of a module.
const words = await framework.launch({
  taskId: 'count-words',
  cpus: 0.5,
  mem: 64,
  run: { kind: 'js', module: jobsModule, export: 'countWords', args: { text: 'the quick brown fox jumps over the lazy dog' } },
});
console.log(`launched: ${words.taskId} on ${words.agentId} in executor ${words.executorId}`);

// Shell commands, each in an executor of its own (`executor: {}`: Mesos's command executor).
const echo = await framework.launch({ taskId: 'echo', cpus: 0.1, mem: 16, run: { kind: 'command', command: 'echo hello > /dev/null' }, executor: {} });
const failing = await framework.launch({ taskId: 'exit-3', cpus: 0.1, mem: 16, run: { kind: 'command', command: 'exit 3' }, executor: {} });

// A long-running task in a named executor, shared by every task that names it.
const server = await framework.launch({ taskId: 'server', cpus: 0.5, mem: 64, run: { kind: 'js', module: jobsModule, export: 'serve' }, executor: { executorId: 'servers', isolation: 'worker' } });

const counted = await framework.waitFor(words.taskId, 'TASK_FINISHED');
console.log(`result: ${words.taskId} counted ${String(counted.data)} words`);
await framework.waitFor(echo.taskId, 'TASK_FINISHED');
const failed = await framework.waitFor(failing.taskId, 'TASK_FAILED');
console.log(`result: ${failing.taskId} failed: ${failed.message}`);

await framework.waitFor(server.taskId, 'TASK_RUNNING');

// Explicit reconciliation: the master answers with the state of each task it knows, and
// TASK_LOST for one it does not (never launched, or finished and acknowledged: Mesos forgets
// those); every answer carries REASON_RECONCILIATION.
const answers = new Promise<TaskStatus[]>((resolve) => {
  const got: TaskStatus[] = [];
  const onUpdate = (status: TaskStatus) => {
    if (status.reason !== 'REASON_RECONCILIATION') return;
    got.push(status);
    if (got.length === 2) {
      framework.off('update', onUpdate);
      resolve(got);
    }
  };
  framework.on('update', onUpdate);
});
framework.reconcile([server.taskId, 'never-launched']);
for (const status of await answers) console.log(`reconciled: ${status.taskId} is ${status.state}`);

framework.kill(server.taskId);
await framework.waitFor(server.taskId, 'TASK_KILLED');

const state = await cluster.state();
const byState: Record<string, number> = {};
for (const task of state.tasks) byState[task.state] = (byState[task.state] ?? 0) + 1;
console.log(`state: ${state.agents.length} agents, ${state.frameworks.length} framework, tasks ${JSON.stringify(byState)}`);

await cluster.stop();
console.log('cluster stopped');
