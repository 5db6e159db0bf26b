import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Address, type NodeId, isAddress, makeAddress, nameOf, nodeOf } from '../../src/actor/address.js';
import { Mailbox } from '../../src/actor/mailbox.js';
import { backoffDelay, recordRestart } from '../../src/actor/restart-intensity.js';
import { deserializeError, serializeError } from '../../src/actor/errors.js';

const test = suite('units');

test('mailbox: FIFO across wrap-around and growth, bounded by capacity', () => {
  const box = new Mailbox(5_000);
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 37 * (round % 5 + 1); i++) assert.ok(box.push(next++, null, 0, null));
    for (let i = 0; i < 30 * (round % 4 + 1) && box.size > 0; i++) {
      assert.is(box.message(box.peekIndex()), expected++);
      box.shift();
    }
  }
  while (box.size > 0) {
    assert.is(box.message(box.peekIndex()), expected++);
    box.shift();
  }
  assert.is(expected, next);
  const small = new Mailbox(3);
  assert.ok(small.push('a', 'x@main' as Address, 7, 'w1' as NodeId));
  assert.ok(small.push('b', null, 0, null));
  assert.ok(small.push('c', null, 0, null));
  assert.not.ok(small.push('d', null, 0, null), 'over capacity');
  const i = small.peekIndex();
  assert.equal([small.message(i), small.sender(i), small.askId(i), small.replyNode(i)], ['a', 'x@main', 7, 'w1']);
  small.forcePush('system');
  assert.is(small.size, 4, 'system messages are never refused');
});

test('restart intensity: a sliding window over timestamps', () => {
  const intensity = { maxRestarts: 3, withinMs: 1_000 };
  let history: number[] = [];
  const at = (now: number) => {
    const r = recordRestart(history, now, intensity);
    history = r.history;
    return r.exceeded;
  };
  assert.equal([at(0), at(100), at(200)], [false, false, false]);
  assert.ok(at(300), 'a 4th restart within 1 s exceeds 3');
  history = [];
  assert.equal([at(0), at(400), at(800), at(1_200), at(1_600)], [false, false, false, false, false], 'old restarts leave the window');
  assert.equal(history, [800, 1_200, 1_600]);
});

test('backoff: exponential, capped, with bounded jitter', () => {
  const b = { initialMs: 10, maxMs: 100, jitter: 0 };
  assert.equal([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, b)), [10, 20, 40, 80, 100, 100]);
  const jittered = { initialMs: 100, maxMs: 10_000, jitter: 0.5 };
  assert.is(backoffDelay(1, jittered, () => 0), 50);
  assert.is(backoffDelay(1, jittered, () => 1), 150);
});

test('addresses: name@node, names may contain @-free punctuation', () => {
  const a = makeAddress('agent-1.x', 'w3' as NodeId);
  assert.is(a, 'agent-1.x@w3');
  assert.is(nameOf(a), 'agent-1.x');
  assert.is(nodeOf(a), 'w3');
  assert.ok(isAddress(a));
  assert.not.ok(isAddress('no-node@'));
  assert.not.ok(isAddress(42));
});

test('errors survive serialization with name, code, stack and cause chain', () => {
  const root = new RangeError('root');
  const error = Object.assign(new Error('top', { cause: root }), { code: 'E_TOP' });
  error.name = 'TopError';
  const back = deserializeError(serializeError(error)) as Error & { code: string };
  assert.is(back.name, 'TopError');
  assert.is(back.code, 'E_TOP');
  assert.is(back.stack, error.stack);
  assert.is((back.cause as Error).name, 'RangeError');
  assert.is(deserializeError(serializeError(new Error('x', { cause: 'plain' }))).cause, 'plain');
});

test.run();
