import { type Address, type NodeId, isAddress } from './address.js';
import type { Behaviour, BehaviourRef, Handlers } from './behaviour.js';
import { deadLetterMailbox, refuse } from './cell-refusals.js';
import { CellTies } from './cell-ties.js';
import type { ActorContext, Replier, SpawnOptions } from './context.js';
import { checkDuration } from './duration.js';
import { errors } from './errors.js';
import { setLongTimeout } from './long-timer.js';
import type { SystemEvent } from './events.js';
import { Mailbox } from './mailbox.js';
import { validateMessage } from './message-validation.js';
import type { StopReason } from './messages.js';
import type { LocalNode, Monitor } from './node.js';
import type { AskOptions, ActorRef } from './ref.js';
import { ActorTimers } from './timers.js';

const enum Status {
  Starting,
  Idle,
  Scheduled,
  Running,
  Awaiting,
  Stopping,
  Stopped,
}

export interface ActorStats {
  readonly address: Address;
  readonly received: number;
  readonly processed: number;
  readonly deadLettered: number;
  readonly mailboxDepth: number;
  readonly processingTimeMs: number;
}

/**
 * The runtime side of one actor: its mailbox, its run state and its lifecycle. A cell handles
 * one message at a time; an async handler pauses the mailbox until it settles. A handler that
 * throws crashes the actor: a pending ask gets the error, watchers get `Down(crashed)`.
 */
export class ActorCell implements ActorContext<unknown> {
  readonly self: ActorRef;
  readonly address: Address;
  readonly mailbox: Mailbox;
  readonly timers: ActorTimers<unknown>;
  readonly monitors = new Set<Monitor>();
  readonly remoteWatchers = new Set<NodeId>();
  private readonly ties = new CellTies(this);
  private status = Status.Starting;
  private handlers: Handlers<unknown> | null = null;
  private schema: Behaviour<unknown, unknown>['schema'];
  private stopRequest: StopReason | null = null;
  private readonly terminated: Promise<void>;
  private resolveTerminated!: () => void;

  private currentSender: Address | null = null;
  private currentAskId = 0;
  private currentReplyNode: NodeId | null = null;

  received = 0;
  processed = 0;
  deadLettered = 0;
  processingTimeMs = 0;

  constructor(
    readonly runtime: LocalNode,
    readonly name: string,
    readonly parent: ActorRef | undefined,
    capacity: number,
  ) {
    this.self = runtime.refOf(name);
    this.address = this.self.address;
    this.mailbox = new Mailbox(capacity);
    this.timers = new ActorTimers((message) => this.enqueue(message, null, 0, null, false));
    this.terminated = new Promise((resolve) => (this.resolveTerminated = resolve));
  }

  async start(behaviour: Behaviour<unknown, unknown>, args: unknown): Promise<void> {
    this.schema = behaviour.schema;
    let handlers: Handlers<unknown>;
    try {
      handlers = await behaviour.setup(this, args);
    } catch (error) {
      await this.terminate('crashed', error);
      throw error;
    }
    // Killed while setting up (its spawn timed out or was aborted): it is gone already.
    if (this.status >= Status.Stopping) return;
    this.handlers = handlers;
    if (this.stopRequest !== null) {
      await this.terminate(this.stopRequest);
      return;
    }
    this.status = Status.Idle;
    if (this.mailbox.size > 0) this.schedule();
  }

  get node(): NodeId {
    return this.runtime.id;
  }

  get alive(): boolean {
    return this.status < Status.Stopping;
  }

  get idle(): boolean {
    return this.status !== Status.Running && this.status !== Status.Awaiting && this.mailbox.size === 0;
  }

  // ---- delivery -------------------------------------------------------------------------

  enqueue(
    message: unknown,
    sender: Address | null,
    askId: number,
    replyNode: NodeId | null,
    fromOtherThread: boolean,
    /** Already past the fault rules (a held message being released). */
    released = false,
  ): void {
    if (!released && this.runtime.drops.active && this.runtime.intercepted(this, message, sender, askId, replyNode, fromOtherThread)) return;
    if (this.status >= Status.Stopping) {
      refuse(this, message, sender, askId, replyNode, 'stopped', errors.noSuchActor(this.address));
      return;
    }
    if (fromOtherThread && this.schema !== undefined) {
      const checked = validateMessage(this.schema, message);
      if (typeof checked === 'string') {
        const error = errors.invalidMessage(this.address, checked);
        refuse(this, message, sender, askId, replyNode, 'invalid-message', error, checked);
        return;
      }
      message = checked.value;
    }
    if (!this.mailbox.push(message, sender, askId, replyNode)) {
      const error = errors.mailboxFull(this.address, this.mailbox.capacity);
      refuse(this, message, sender, askId, replyNode, 'mailbox-full', error);
      return;
    }
    this.received++;
    if (this.status === Status.Idle) this.schedule();
  }

  /** System messages (Down) are never refused for a full mailbox. */
  enqueueSystem(message: unknown): void {
    if (this.status >= Status.Stopping) return;
    this.mailbox.push(message, null, 0, null) || this.mailbox.forcePush(message);
    this.received++;
    if (this.status === Status.Idle) this.schedule();
  }

  private schedule(): void {
    this.status = Status.Scheduled;
    this.runtime.schedule(this);
  }

  // ---- processing -----------------------------------------------------------------------

  /** Handles up to `budget` messages; returns how many it handled. */
  run(budget: number): number {
    if (this.status !== Status.Scheduled) return 0;
    this.status = Status.Running;
    const mailbox = this.mailbox;
    const handlers = this.handlers!;
    const started = performance.now();
    let handled = 0;
    this.runtime.current = this;
    while (handled < budget && mailbox.size > 0) {
      const i = mailbox.peekIndex();
      const message = mailbox.message(i);
      this.currentSender = mailbox.sender(i);
      this.currentAskId = mailbox.askId(i);
      this.currentReplyNode = mailbox.replyNode(i);
      mailbox.shift();
      handled++;
      let result: unknown;
      try {
        result = handlers.receive(message, this);
      } catch (error) {
        this.crash(error);
        break;
      }
      if (result !== undefined && result !== null && typeof (result as Promise<unknown>).then === 'function') {
        this.awaitResult(result as Promise<unknown>);
        break;
      }
      if (this.currentAskId !== 0) this.reply(result);
      if (this.stopRequest !== null) break;
    }
    this.runtime.current = null;
    this.processed += handled;
    this.processingTimeMs += performance.now() - started;
    if (this.status === Status.Running) this.afterMessage();
    return handled;
  }

  private afterMessage(): void {
    if (this.stopRequest !== null) void this.terminate(this.stopRequest);
    else if (this.mailbox.size > 0) this.schedule();
    else this.status = Status.Idle;
  }

  /** The ask being answered by an async handler: replied when it settles, failed if killed. */
  private pendingAskId = 0;
  private pendingReplyNode: NodeId | null = null;

  private awaitResult(result: Promise<unknown>): void {
    this.status = Status.Awaiting;
    this.pendingAskId = this.currentAskId;
    this.pendingReplyNode = this.currentReplyNode;
    this.currentAskId = 0;
    result.then(
      (value) => {
        if (this.status !== Status.Awaiting) return;
        this.settlePendingAsk((replyNode, askId) => this.runtime.replyOk(replyNode, askId, value));
        this.status = Status.Running;
        this.afterMessage();
      },
      (error) => {
        if (this.status !== Status.Awaiting) return;
        this.settlePendingAsk((replyNode, askId) => this.runtime.replyError(replyNode, askId, error));
        void this.terminate('crashed', error);
      },
    );
  }

  private settlePendingAsk(settle: (replyNode: NodeId, askId: number) => void): void {
    const askId = this.pendingAskId;
    const replyNode = this.pendingReplyNode;
    this.pendingAskId = 0;
    this.pendingReplyNode = null;
    if (askId !== 0 && replyNode !== null) settle(replyNode, askId);
  }

  private crash(error: unknown): void {
    if (this.currentAskId !== 0 && this.currentReplyNode !== null) {
      this.runtime.replyError(this.currentReplyNode, this.currentAskId, error);
      this.currentAskId = 0;
    }
    void this.terminate('crashed', error);
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /**
   * Stops the actor after the message it is handling (if any). An async handler gets `graceMs`
   * to settle; past that the actor is stopped anyway with reason `killed`.
   */
  requestStop(reason: StopReason, graceMs: number): Promise<void> {
    if (this.status >= Status.Stopping) return this.terminated;
    if (this.stopRequest === null) this.stopRequest = reason;
    if (this.status === Status.Idle || this.status === Status.Scheduled) {
      void this.terminate(reason);
    } else if (this.status === Status.Awaiting) {
      const timer = setLongTimeout(() => this.kill(), graceMs);
      void this.terminated.then(() => timer.cancel());
    }
    return this.terminated;
  }

  /** Stops at once, whatever it is doing, without its `stopped` hook: reason `killed`. */
  kill(): void {
    void this.terminate('killed');
  }

  private async terminate(reason: StopReason, error?: unknown): Promise<void> {
    if (this.status >= Status.Stopping) return this.terminated;
    this.status = Status.Stopping;
    this.timers.cancelAll();
    this.settlePendingAsk((replyNode, askId) =>
      this.runtime.replyError(replyNode, askId, errors.actorStopped(this.address)),
    );
    deadLetterMailbox(this);
    this.ties.rejectDeferred();
    if (this.handlers?.stopped && reason !== 'killed') {
      try {
        await this.handlers.stopped(reason);
      } catch (hookError) {
        this.runtime.publish({
          type: 'actor.hook-failed',
          actor: this.address,
          hook: 'stopped',
          error: String(hookError),
        });
      }
    }
    for (const child of this.ties.children.slice().reverse()) {
      await this.runtime.stopActor(child.address, 'shutdown');
    }
    this.ties.unwatchAll();
    deadLetterMailbox(this);
    this.status = Status.Stopped;
    this.runtime.unregister(this);
    const errorValue = error === undefined ? undefined : toError(error);
    this.runtime.notifyDown(this, reason, errorValue);
    this.resolveTerminated();
  }

  stats(): ActorStats {
    return {
      address: this.address,
      received: this.received,
      processed: this.processed,
      deadLettered: this.deadLettered,
      mailboxDepth: this.mailbox.size,
      processingTimeMs: this.processingTimeMs,
    };
  }

  // ---- ActorContext -----------------------------------------------------------------------

  get sender(): ActorRef | undefined {
    return this.currentSender === null ? undefined : this.runtime.ref(this.currentSender);
  }

  get children(): readonly ActorRef[] {
    return this.ties.children;
  }

  spawn<C = unknown, A = unknown>(
    behaviour: Behaviour<C, A> | BehaviourRef,
    options: SpawnOptions<A> = {},
  ): Promise<ActorRef<C>> {
    return this.ties.spawn(behaviour, options);
  }

  stop(ref?: ActorRef, graceMs?: number): Promise<void> {
    if (ref === undefined || ref.address === this.address) {
      if (this.status === Status.Running || this.status === Status.Awaiting) {
        if (this.stopRequest === null) this.stopRequest = 'normal';
        return this.terminated;
      }
      return this.requestStop('normal', this.runtime.options.shutdownGraceMs);
    }
    if (graceMs !== undefined) {
      try {
        checkDuration('stop', 'graceMs', graceMs);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.runtime.stopActor(ref.address, this.ties.isChild(ref) ? 'shutdown' : 'normal', graceMs);
  }

  watch(ref: ActorRef): void {
    this.ties.watch(ref);
  }

  unwatch(ref: ActorRef): void {
    this.ties.unwatch(ref);
  }

  tell<T>(to: ActorRef<T>, message: T): void {
    this.runtime.tell(to, message, this.address);
  }

  ask<R = unknown, T = unknown>(to: ActorRef<T>, message: T, options?: AskOptions): Promise<R> {
    return this.runtime.askFrom(to, message, this.address, options);
  }

  reply(value: unknown): void {
    const askId = this.currentAskId;
    if (askId === 0 || this.currentReplyNode === null) return;
    this.currentAskId = 0;
    this.runtime.replyOk(this.currentReplyNode, askId, value);
  }

  deferReply(): Replier {
    const askId = this.currentAskId;
    const replyNode = this.currentReplyNode;
    this.currentAskId = 0;
    return this.ties.defer(askId, replyNode);
  }

  refFor<T = unknown>(address: string): ActorRef<T> {
    if (!isAddress(address)) throw errors.invalidAddress(address);
    return this.runtime.ref<T>(address);
  }

  publish(event: SystemEvent): void {
    this.runtime.publish(event);
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

