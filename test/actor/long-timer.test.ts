import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import {
  MAX_DURATION_MS,
  MAX_TIMER_STEP_MS,
  type TimerScheduler,
  durationMs,
  setLongInterval,
  setLongTimeout,
} from '../../src/index.js';

const test = suite('long timers');

const YEAR_MS = 365 * 24 * 3_600_000;

/** A scheduler driven by the test: `advance()` fires the one pending step, as time passing would. */
class FakeScheduler implements TimerScheduler {
  readonly steps: number[] = [];
  readonly cleared: number[] = [];
  unrefs = 0;
  private pending: { id: number; callback: () => void } | null = null;
  private nextId = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    assert.is(this.pending, null, 'one step at a time');
    this.steps.push(ms);
    const id = ++this.nextId;
    this.pending = { id, callback };
    return { id, unref: () => this.unrefs++ };
  }

  clearTimeout(handle: unknown): void {
    const id = (handle as { id: number }).id;
    this.cleared.push(id);
    if (this.pending?.id === id) this.pending = null;
  }

  get armed(): boolean {
    return this.pending !== null;
  }

  advance(): void {
    const step = this.pending;
    assert.ok(step, 'a step is scheduled');
    this.pending = null;
    step.callback();
  }
}

test('a year is scheduled in steps Node honours, and fires only after the last one', () => {
  const scheduler = new FakeScheduler();
  let fired = 0;
  const timer = setLongTimeout(() => fired++, YEAR_MS, { scheduler });
  while (scheduler.armed && fired === 0) scheduler.advance();
  assert.is(fired, 1);
  assert.ok(scheduler.steps.every((ms) => ms <= MAX_TIMER_STEP_MS && ms >= 0), `steps ${scheduler.steps}`);
  assert.is(scheduler.steps.reduce((a, b) => a + b, 0), YEAR_MS);
  assert.is(scheduler.steps.length, Math.ceil(YEAR_MS / MAX_TIMER_STEP_MS));
  assert.not.ok(timer.pending);
  assert.not.ok(scheduler.armed, 'nothing left scheduled');
});

test('a short delay is one plain step', () => {
  const scheduler = new FakeScheduler();
  let fired = false;
  setLongTimeout(() => (fired = true), 250, { scheduler });
  assert.equal(scheduler.steps, [250]);
  scheduler.advance();
  assert.ok(fired);
});

test('cancel between steps clears the pending step, and it never fires', () => {
  const scheduler = new FakeScheduler();
  let fired = false;
  const timer = setLongTimeout(() => (fired = true), MAX_DURATION_MS, { scheduler });
  scheduler.advance();
  scheduler.advance();
  assert.ok(timer.pending);
  timer.cancel();
  assert.not.ok(timer.pending);
  assert.not.ok(scheduler.armed);
  assert.is(scheduler.cleared.length, 1);
  assert.not.ok(fired);
});

test('an interval longer than a step repeats, each period in steps', () => {
  const scheduler = new FakeScheduler();
  let fired = 0;
  const period = MAX_TIMER_STEP_MS + 10;
  const timer = setLongInterval(() => fired++, period, { scheduler });
  for (let i = 0; i < 6; i++) scheduler.advance();
  assert.is(fired, 3);
  assert.equal(scheduler.steps, [MAX_TIMER_STEP_MS, 10, MAX_TIMER_STEP_MS, 10, MAX_TIMER_STEP_MS, 10, MAX_TIMER_STEP_MS]);
  assert.ok(timer.pending);
  timer.cancel();
  assert.not.ok(scheduler.armed);
});

test('Infinity never fires: nothing is scheduled, and it stays pending until cancelled', () => {
  const scheduler = new FakeScheduler();
  const timer = setLongTimeout(() => assert.unreachable('fired'), Infinity, { scheduler });
  assert.equal(scheduler.steps, []);
  assert.ok(timer.pending);
  timer.cancel();
  assert.not.ok(timer.pending);
});

test('unref applies to every step', () => {
  const scheduler = new FakeScheduler();
  setLongTimeout(() => undefined, 2 * MAX_TIMER_STEP_MS + 1, { scheduler, unref: true });
  scheduler.advance();
  scheduler.advance();
  assert.is(scheduler.unrefs, 3);
});

test('a year-long timer on Node\'s own timers has not fired when a 1 s one has', async () => {
  let yearFired = false;
  const year = setLongTimeout(() => (yearFired = true), YEAR_MS);
  await new Promise<void>((resolve) => setLongTimeout(resolve, 1_000));
  assert.not.ok(yearFired);
  assert.ok(year.pending);
  year.cancel();
});

test('delays out of range, NaN and non-numbers are ERR_INVALID_OPTIONS naming the key', () => {
  for (const bad of [-1, NaN, MAX_DURATION_MS + 1, -Infinity, '5', undefined, null, {}]) {
    try {
      setLongTimeout(() => undefined, bad as number);
      assert.unreachable(`accepted ${String(bad)}`);
    } catch (error) {
      assert.is((error as { code?: string }).code, 'ERR_INVALID_OPTIONS', String(bad));
      assert.match((error as Error).message, /delayMs/);
    }
  }
  assert.throws(() => setLongInterval(() => undefined, -5), /intervalMs/);
});

test('durationMs() validates option schemas the same way', () => {
  const plain = durationMs();
  for (const ok of [0, 1, MAX_DURATION_MS]) assert.ok(v.safeParse(plain, ok).success, String(ok));
  for (const bad of [-1, 1.5, NaN, Infinity, MAX_DURATION_MS + 1, '10', null]) {
    assert.not.ok(v.safeParse(plain, bad).success, String(bad));
  }
  const infinite = durationMs({ infinite: true, min: 1 });
  assert.ok(v.safeParse(infinite, Infinity).success);
  assert.not.ok(v.safeParse(infinite, 0).success);
  const issue = v.safeParse(v.object({ gcDelayMs: durationMs() }), { gcDelayMs: -3 });
  assert.match(issue.issues?.[0]?.message ?? '', /from 0 to 315360000000 \(10 years\), got -3/);
});

test.run();
