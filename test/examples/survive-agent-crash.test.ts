import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExample, shown } from './run-example.js';

test("survive-agent-crash: the checkpointing framework's tasks finish after the crash, the other's end TASK_LOST", async () => {
  const run = await runExample('survive-agent-crash');
  assert.is(run.code, 0, shown(run));
  const out = run.stdout;
  assert.match(out, /^crashed: the worker of agent-1$/m);
  assert.match(out, /^recovered: agent-1 in \d+ ms, 1 executor\(s\) reconnected, 3 task\(s\) recovered$/m);
  for (let i = 1; i <= 3; i++) {
    assert.match(out, new RegExp(`^checkpointing: checkpointing-${i} TASK_FINISHED: worked 1500 ms$`, 'm'));
    assert.match(out, new RegExp(`^plain: plain-${i} TASK_LOST \\(REASON_AGENT_DISCONNECTED\\)$`, 'm'));
  }
  assert.match(out, /^ok: 3 checkpointed tasks survived the crash and finished once; 3 others were lost$/m);
});

test.run();
