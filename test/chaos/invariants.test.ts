/**
 * The chaos suite's own parts on made-up logs: each invariant check must catch what it is
 * there to catch (a check that never fires would let the CI run pass on anything), the
 * schedule is a function of its seed, and shrinking finds the faults that matter.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogRecord } from './event-log.js';
import { failureOf, valueOf } from './fixtures/chaos-tasks.js';
import { type InvariantId, check } from './invariants.js';
import { type Fault, schedule } from './schedule.js';
import { shrink } from './shrink.js';

const FW = { name: 'ckpt', frameworkId: 'framework-1', checkpoint: true, partitionAware: false };
const at = { agentId: 'agent-1', executorId: 'default' };
let uuid = 0;
const update = (taskId: string, state: string, extra: Partial<Extract<LogRecord, { t: 'update' }>> = {}): LogRecord => ({
  t: 'update',
  gen: 0,
  fw: FW.name,
  taskId,
  uuid: `u${++uuid}`,
  state,
  source: 'SOURCE_EXECUTOR',
  agentId: at.agentId,
  timestamp: uuid,
  ...extra,
});
const launch = (taskId: string, kind: 'value' | 'fail' | 'long' = 'value'): LogRecord[] => [
  { t: 'launching', gen: 0, fw: FW.name, taskId, kind },
  { t: 'launched', gen: 0, fw: FW.name, taskId, at },
];
const finished = (taskId: string): LogRecord[] => [...launch(taskId), update(taskId, 'TASK_STARTING'), update(taskId, 'TASK_RUNNING'), update(taskId, 'TASK_FINISHED', { data: valueOf(taskId) })];
const head: LogRecord[] = [{ t: 'framework', gen: 0, fw: FW }];
const tail: LogRecord[] = [{ t: 'end', gen: 0, completions: 1, ms: 1 }, { t: 'leaks', gen: 0, left: [] }];
const ran = (...taskIds: string[]) => taskIds.map((taskId) => ({ taskId, what: 'start' }));
const broken = (records: LogRecord[], side = ran('t1')): InvariantId[] => [...new Set(check([...head, ...records, ...tail], side).violations.map((v) => v.invariant))];

test('a clean run breaks nothing', () => {
  assert.equal(broken(finished('t1')), []);
});

test('invariant 1: two terminal states, a false outcome, a task that never ends', () => {
  assert.equal(broken([...finished('t1'), update('t1', 'TASK_FAILED', { source: 'SOURCE_AGENT' })]), ['1']);
  assert.equal(broken([...launch('t1'), update('t1', 'TASK_FINISHED', { data: 'wrong' })]), ['1']);
  assert.equal(broken([...launch('t1', 'fail'), update('t1', 'TASK_FAILED', { message: failureOf('t1') })]), []);
  assert.equal(broken([...launch('t1'), update('t1', 'TASK_RUNNING')]), ['1']);
  assert.equal(broken([...launch('t1'), update('t1', 'TASK_FINISHED', { data: valueOf('t1') })], []), ['1'], 'finished, but its body never ran');
});

test('invariant 1: a fault that ended the task\'s executor excuses its outcome, not two terminal states', () => {
  const crash: LogRecord[] = [
    { t: 'fault', gen: 0, index: 0, kind: 'executor-crash', killed: { executors: [{ ...at, frameworkId: FW.frameworkId }] } },
    { t: 'fault_done', gen: 0, index: 0, kind: 'executor-crash', ms: 1 },
  ];
  const failed = update('t1', 'TASK_FAILED', { source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED' });
  assert.equal(broken([...launch('t1'), ...crash, failed]), []);
  assert.equal(broken([...launch('t1'), failed]), ['1'], 'without the fault it is a false outcome');
  assert.equal(broken([...launch('t1'), ...crash, failed, update('t1', 'TASK_FINISHED', { data: valueOf('t1') })]), ['1']);
});

test('invariant 2: out of order, a uuid reused for another state, a repeat with a new uuid', () => {
  assert.equal(broken([...launch('t1'), update('t1', 'TASK_RUNNING'), update('t1', 'TASK_STARTING'), update('t1', 'TASK_FINISHED', { data: valueOf('t1') })]), ['2']);
  assert.equal(broken([...finished('t1'), update('t1', 'TASK_RUNNING', { uuid: 'u2' })]), ['2']);
  assert.equal(broken([...launch('t1'), update('t1', 'TASK_STARTING'), update('t1', 'TASK_STARTING'), update('t1', 'TASK_FINISHED', { data: valueOf('t1') })]), ['2']);
  const run = finished('t1');
  assert.equal(broken([...run, { ...(run.at(-1) as Extract<LogRecord, { t: 'update' }>), duplicate: true }]), [], 'a duplicate with the same uuid is fine');
});

test('invariant 3: a task body that ran twice', () => {
  assert.equal(broken(finished('t1'), ran('t1', 't1')), ['3']);
});

test('invariant 4: an executor still running after its agent\'s recovery timeout', () => {
  const away: LogRecord = { t: 'recovery_timeout', gen: 0, index: 0, agentId: 'agent-1', stoppedAt: 1_000, recoveryTimeoutMs: 3_000, restartedAt: 7_000, executors: [{ address: 'e@w9', frameworkId: 'framework-1', executorId: 'default' }] };
  assert.equal(broken([...finished('t1'), away]), ['4']);
  assert.equal(broken([...finished('t1'), { t: 'executor_down', gen: 0, address: 'e@w9', at: 4_100 }, away]), []);
  assert.equal(broken([...finished('t1'), { t: 'executor_down', gen: 0, address: 'e@w9', at: 6_900 }, { ...away, recoveryTimeoutMs: 500 } as LogRecord]), ['4'], 'ended, but too late');
});

test('invariant 5: master and agent disagree after quiescence', () => {
  const view = (agentTasks: Record<string, number>, used: number): LogRecord => ({
    t: 'view',
    gen: 0,
    view: {
      phase: 'final',
      masterAgents: [{ agentId: 'agent-1', status: 'active', total: { cpus: 8, mem: 64 }, used: { cpus: used, mem: 0 }, free: { cpus: 8 - used, mem: 64 } }],
      masterTasks: [],
      agents: [{ agentId: 'agent-1', registration: 'admitted', tasksByState: agentTasks, unacknowledged: 0 }],
    },
  });
  assert.equal(broken([...finished('t1'), view({}, 0)]), []);
  assert.equal(broken([...finished('t1'), view({ TASK_RUNNING: 1 }, 0)]), ['5']);
  assert.equal(broken([...finished('t1'), view({}, 0.5)]), ['5'], 'resources used by no task');
});

test('invariant 6: something left after stop()', () => {
  assert.equal(broken([...finished('t1'), { t: 'leaks', gen: 0, left: ['Timeout'] }]), ['6']);
});

test('a master TASK_LOST is final for a partition-aware framework; for another, more news overrides it (Mesos)', () => {
  const lostThenBack: LogRecord[] = [
    ...launch('t1'),
    update('t1', 'TASK_RUNNING'),
    update('t1', 'TASK_LOST', { uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REMOVED' }),
    update('t1', 'TASK_RUNNING', { uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REREGISTERED' }),
    update('t1', 'TASK_FINISHED', { data: valueOf('t1') }),
  ];
  assert.equal(check([...head, ...lostThenBack, ...tail], ran('t1')).violations, []);
  const aware: LogRecord[] = [{ t: 'framework', gen: 0, fw: { ...FW, partitionAware: true } }];
  assert.ok(check([...aware, ...lostThenBack, ...tail], ran('t1')).violations.length > 0);
  const lostThenFailed = [...launch('t1'), update('t1', 'TASK_LOST', { uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REMOVED' }), update('t1', 'TASK_FAILED', { source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED' })];
  assert.equal(broken(lostThenFailed), ['1'], 'news after the loss must still be true');
  const awareFinishedThenUnreachable = [...finished('t1'), update('t1', 'TASK_UNREACHABLE', { uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REMOVED' })];
  assert.equal(check([...aware, ...awareFinishedThenUnreachable, ...tail], ran('t1')).violations, [], 'a guess after the task\'s own end is no news');
  const finishedThenKilled = [...finished('t1'), update('t1', 'TASK_KILLED', { uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' })];
  assert.equal(broken(finishedThenKilled), ['1'], 'a master answer that is not a guess still counts');
});

test("after a readmission's latest state, reconciliation may answer the stream's position, not go behind it (Mesos)", () => {
  const readmitted = update('t1', 'TASK_FINISHED', { uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REREGISTERED' });
  const position = (state: string) => update('t1', state, { uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' });
  const [starting, running, ended] = finished('t1').slice(2);
  for (const partitionAware of [true, false]) {
    const fw: LogRecord[] = [{ t: 'framework', gen: 0, fw: { ...FW, partitionAware } }];
    const broke = (records: LogRecord[]) => [...new Set(check([...fw, ...launch('t1'), ...records, ...tail], ran('t1')).violations.map((v) => v.invariant))];
    const aware = `partition-aware: ${partitionAware}`;
    assert.equal(broke([readmitted, position('TASK_STARTING'), starting!, running!, ended!]), [], `finding 21 (ckpt-pa-g0-24639), ${aware}`);
    assert.equal(broke([readmitted, position('TASK_STARTING'), position('TASK_RUNNING'), starting!, running!, ended!]), [], `the stream's position moving on, ${aware}`);
    assert.equal(broke([readmitted, position('TASK_RUNNING'), position('TASK_STARTING'), starting!, running!, ended!]), ['2'], `an answer going back, ${aware}`);
    assert.equal(broke([starting!, running!, readmitted, position('TASK_STARTING'), ended!]), ['2'], `behind the stream (it has said RUNNING), ${aware}`);
    assert.equal(broke([starting!, running!, ended!, readmitted, position('TASK_RUNNING')]), ['2'], `after the end the stream delivered, ${aware}`);
    const answeredEnd = update('t1', 'TASK_FINISHED', { uuid: '', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' });
    assert.equal(broke([answeredEnd, position('TASK_STARTING'), starting!, running!, ended!]), ['2'], `after an end the master answered, not a readmission, ${aware}`);
  }
});

test('a task under a damaged record may be reported ended again, not run twice', () => {
  const damage: LogRecord = { t: 'damage', gen: 0, index: 0, key: 'meta/agents/agent-1/x/task.updates', damagedTasks: ['t1'] };
  const twice = [update('t1', 'TASK_FAILED', { source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED' }), update('t1', 'TASK_LOST', { source: 'SOURCE_AGENT', reason: 'REASON_RECONCILIATION' })];
  assert.equal(broken([...launch('t1'), damage, ...twice]), []);
  assert.equal(broken([...launch('t1'), ...twice]), ['1'], 'undamaged, it is two terminal states');
  assert.equal(broken([...launch('t1'), damage, ...twice], ran('t1', 't1')), ['3'], 'its body still runs once');
});

test('the schedule is a function of its seed and options', () => {
  const options = { seed: 42, faults: 300, agents: 3 };
  assert.equal(schedule(options), schedule(options));
  assert.not.equal(schedule(options), schedule({ ...options, seed: 43 }));
  assert.ok(schedule({ ...options, only: ['agent-crash'] }).every((f) => f.kind === 'agent-crash'));
  assert.not.ok(schedule({ ...options, without: ['agent-crash'] }).some((f) => f.kind === 'agent-crash'));
  const disk = schedule(options).filter((f) => f.kind === 'disk-fill' || f.kind === 'disk-free');
  assert.ok(disk.every((f, i) => f.kind === (i % 2 === 0 ? 'disk-fill' : 'disk-free')), 'the disk is filled, then freed, in turn');
  const at = schedule(options).map((f) => f.at);
  assert.equal(at, [...at].sort((a, b) => a - b), 'moments never go back');
});

test('shrinking finds the two faults that together break an invariant', async () => {
  const faults: Fault[] = schedule({ seed: 1, faults: 64, agents: 3 });
  const needed = new Set([faults[9]!.index, faults[41]!.index]);
  const result = await shrink(faults, '1', async (subset) => new Set<InvariantId>([...needed].every((i) => subset.some((f) => f.index === i)) ? ['1'] : []), 100);
  assert.equal(result.faults.map((f) => f.index), [...needed]);
  assert.not.ok(result.exhausted);
});

test.run();
