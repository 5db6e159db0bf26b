import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REASONS, TASK_STATES, TERMINAL_STATES, isTerminal, reasonFromCheckpoint } from '../../src/index.js';

const test = suite('protocol: states and reasons');

test('reasons stored under v0 names are read back as v1 names; v1 names as they are; unknown ones dropped', () => {
  assert.is(reasonFromCheckpoint('REASON_SLAVE_REMOVED'), 'REASON_AGENT_REMOVED');
  assert.is(reasonFromCheckpoint('REASON_SLAVE_RESTARTED'), 'REASON_AGENT_RESTARTED');
  assert.is(reasonFromCheckpoint('REASON_SLAVE_DISCONNECTED'), 'REASON_AGENT_DISCONNECTED');
  assert.is(reasonFromCheckpoint('REASON_SLAVE_REREGISTERED'), 'REASON_AGENT_REREGISTERED');
  assert.is(reasonFromCheckpoint('REASON_EXECUTOR_TERMINATED'), 'REASON_EXECUTOR_TERMINATED');
  assert.is(reasonFromCheckpoint('REASON_FROM_THE_FUTURE'), undefined);
  assert.is(reasonFromCheckpoint(7), undefined);
  for (const reason of REASONS) assert.not.match(reason, /SLAVE/, 'only v1 names are produced');
});

test('terminal states are the ended ones; UNREACHABLE and UNKNOWN are not terminal', () => {
  assert.equal([...TERMINAL_STATES].sort(), ['TASK_DROPPED', 'TASK_ERROR', 'TASK_FAILED', 'TASK_FINISHED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_KILLED', 'TASK_LOST']);
  for (const state of ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE', 'TASK_UNKNOWN'] as const) assert.not.ok(isTerminal(state), state);
  assert.is(TASK_STATES.length, 14);
});

test.run();
