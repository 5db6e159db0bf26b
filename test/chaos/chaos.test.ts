/**
 * The CI chaos run: a fixed seed's schedule of 200 faults over a running cluster (every kind of
 * RELIABILITY.md but kill -9, which is process mode), then the invariant checks over its logs.
 * The run has a process of its own, so that a native crash of the cluster is reported as a
 * violation rather than taking this file down. On a violation the message names the seed and
 * how to find the shortest failing sequence.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGENTS } from './config.js';
import { runIsolated } from './isolated.js';
import { summarize } from './report.js';
import { FAULT_KINDS, schedule } from './schedule.js';

const SEED = 20_261_201;
const FAULTS = 200;

test(`${FAULTS} seeded faults (seed ${SEED}) over a running cluster break no invariant`, async () => {
  const faults = schedule({ seed: SEED, faults: FAULTS, agents: AGENTS });
  const drawn = new Set(faults.map((f) => f.kind));
  assert.equal(FAULT_KINDS.filter((kind) => !drawn.has(kind)), [], 'the schedule draws every fault kind');
  const result = await runIsolated({ seed: SEED, faults });
  const { report } = result;
  console.log(summarize(`chaos (seed ${SEED})`, report, result.ms));
  if (result.diskSkipped !== undefined) console.log(`  disk faults skipped: ${result.diskSkipped}`);
  assert.is(Object.values(report.faultsByKind).reduce((a, b) => a + b, 0), FAULTS, 'every fault was injected');
  assert.ok(report.tasks > 500 && report.checked['5'] > 0 && report.checked['6'] === 1, 'the workload ran, and the run quiesced and stopped');
  const first = report.violations[0];
  assert.ok(
    first === undefined,
    `${report.violations.length} violation(s), the first of invariant ${first?.invariant}: ${first?.message}\n` +
      `  the run is kept in ${result.root}; find the shortest failing sequence with: npm run chaos -- --seed ${SEED} --faults ${FAULTS}`,
  );
});

test.run();
