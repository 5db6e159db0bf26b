import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nextSystemEvent } from '../probe.js';
import { sleep, withCluster } from '../helpers.js';
import { tasksModule } from '../fixtures/tasks.js';

const test = suite('cluster: the master is supervised');

test('a crashed master is restarted by its supervisor: agents and frameworks follow it, tasks and offers flow again', () =>
  withCluster({ autoRestartMaster: true }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'follows', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const old = cluster.master;
    const restarted = nextSystemEvent(cluster.system, 'supervisor.restarted', (e) => e.child === 'master');
    const reregistered = cluster.events.next('master.agent_reregistered', (e) => e.agentId === agentId);
    await cluster.crashMaster();
    const event = await restarted;
    await reregistered;
    assert.is.not(event.ref, old.address);
    assert.is(cluster.master.address, event.ref, 'the cluster follows the new master');
    assert.not.ok(cluster.system.workers().includes(old.node), 'the dead master\'s worker is gone');
    const state = await cluster.state();
    assert.equal(state.tasks.map((t) => `${t.taskId}:${t.state}`), [`${taskId}:TASK_RUNNING`], 'the new master learnt the task from the agent');
    const fresh = await fw.launch({ cpus: 0.5, mem: 32, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 4 } } });
    assert.is((await fw.waitFor(fresh.taskId, 'TASK_FINISHED')).data, 8, 'the framework subscribed again and gets offers');
    fw.kill(taskId);
    await fw.waitFor(taskId, 'TASK_KILLED');
  }));

test('autoRestartMaster: false leaves a crashed master down until restartMaster', () =>
  withCluster({ autoRestartMaster: false }, async (cluster) => {
    const old = cluster.master;
    const exited = nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === old.node);
    await cluster.crashMaster();
    await exited;
    const answer = await old.ask({ type: 'master.state' }, { timeoutMs: 1_000 }).catch((e: { code?: string }) => e.code);
    assert.is(answer, 'ERR_NO_SUCH_ACTOR');
    const reregistered = cluster.events.next('master.agent_reregistered');
    await cluster.restartMaster();
    await reregistered;
    assert.is((await cluster.state()).agents.length, 1);
  }));

test.run();
