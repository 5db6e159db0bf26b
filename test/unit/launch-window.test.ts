import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LaunchWindow } from '../../src/scheduler/launch-window.js';

const test = suite('scheduler: the launch window');

test('room is the limit less the tasks launched and not answered; an answer opens room once', () => {
  const window = new LaunchWindow(2, 10_000, () => undefined);
  assert.is(window.room(0), 2);
  window.launched('a', 0);
  window.launched('b', 0);
  assert.is(window.room(1), 0);
  assert.ok(window.answered('a'));
  assert.not.ok(window.answered('a'), 'a second update of the same task opens nothing');
  assert.is(window.room(1), 1);
});

test('a task silent past the expiry stops counting, and a caller waiting for room is called back', async () => {
  let called = 0;
  const window = new LaunchWindow(1, 30, () => called++);
  window.launched('lost');
  assert.is(window.room(), 0);
  window.waitForRoom();
  window.waitForRoom();
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.is(called, 1, 'one callback, however many waits');
  assert.is(window.room(), 1);
});

test.run();
