import * as v from 'valibot';
import type { Address, NodeId } from './address.js';
import { behaviour, behaviourRef, type BehaviourRef } from './behaviour.js';
import type { ActorContext } from './context.js';
import { durationMs } from './duration.js';
import { errors } from './errors.js';
import { type Down, isAbnormal, isDown } from './messages.js';
import { positiveInt, validateOptions } from './options.js';
import type { ActorRef } from './ref.js';
import { type Backoff, type Intensity, backoffDelay, recordRestart } from './restart-intensity.js';

export type RestartType = 'permanent' | 'transient' | 'temporary';
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/**
 * Where a child runs. Besides the usual placements, `{ shared: key }` puts every child with the
 * same key in one worker that the supervisor starts, and starts a new one after that worker dies.
 */
export type ChildPlacement = 'new' | 'current' | NodeId | { readonly shared: string };

export interface ChildSpec {
  readonly id: string;
  readonly start: {
    readonly behaviour: BehaviourRef;
    readonly args?: unknown;
    readonly name?: string;
    readonly worker?: ChildPlacement;
    readonly mailbox?: { readonly capacity?: number };
    /** Bound on each start of the child (a spawn's `timeoutMs`); default the system's `spawnTimeoutMs`. */
    readonly timeoutMs?: number;
  };
  /** permanent: always restarted; transient: only after an abnormal exit; temporary: never. */
  readonly restart?: RestartType;
  /** How long the child gets to stop when the supervisor stops it. Default 5,000 ms. */
  readonly shutdownMs?: number;
}

export interface SupervisorArgs {
  readonly strategy?: Strategy;
  /** Default: 3 restarts within 5,000 ms. */
  readonly intensity?: Intensity;
  /** Default: 10 ms doubling to 5,000 ms, ±20 % jitter. */
  readonly backoff?: Backoff;
  readonly children: readonly ChildSpec[];
}

export type SupervisorMsg =
  | { readonly type: 'supervisor.which_children' }
  | { readonly type: 'supervisor.start_child'; readonly spec: ChildSpec }
  | { readonly type: 'supervisor.terminate_child'; readonly id: string }
  | { readonly type: 'supervisor.restart'; readonly ids: readonly string[]; readonly backoffMs: number };

export interface ChildInfo {
  readonly id: string;
  readonly ref: Address | null;
  readonly restart: RestartType;
}

const DEFAULT_INTENSITY: Intensity = { maxRestarts: 3, withinMs: 5_000 };
const DEFAULT_BACKOFF: Backoff = { initialMs: 10, maxMs: 5_000, jitter: 0.2 };
const DEFAULT_CHILD_SHUTDOWN_MS = 5_000;

const ChildSpecSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1)),
  start: v.object({
    behaviour: v.object({ module: v.string(), export: v.string() }),
    args: v.optional(v.unknown()),
    name: v.optional(v.string()),
    worker: v.optional(v.union([v.string(), v.object({ shared: v.string() })])),
    mailbox: v.optional(v.object({ capacity: v.optional(positiveInt) })),
    timeoutMs: v.optional(durationMs({ min: 1 })),
  }),
  restart: v.optional(v.picklist(['permanent', 'transient', 'temporary'])),
  shutdownMs: v.optional(durationMs()),
});
const SupervisorArgsSchema = v.object({
  strategy: v.optional(v.picklist(['one_for_one', 'one_for_all', 'rest_for_one'])),
  /** `withinMs: Infinity`: every restart counts, however long ago. */
  intensity: v.optional(v.object({ maxRestarts: v.pipe(v.number(), v.integer(), v.minValue(0)), withinMs: durationMs({ min: 1, infinite: true }) })),
  backoff: v.optional(
    v.object({
      initialMs: durationMs(),
      maxMs: durationMs(),
      jitter: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
    }),
  ),
  children: v.array(ChildSpecSchema),
});

/**
 * Checks a supervisor's arguments without starting anything (OTP's check_childspecs): shapes,
 * and child ids unique. Throws ERR_INVALID_OPTIONS naming the offending key.
 */
export function validateSupervisorArgs(args: SupervisorArgs): SupervisorArgs {
  validateOptions('supervisor', SupervisorArgsSchema, args);
  const seen = new Set<string>();
  for (const child of args.children) {
    if (seen.has(child.id)) throw errors.invalidOptions(`invalid supervisor: two children have the id "${child.id}"`);
    seen.add(child.id);
  }
  return args;
}

interface Child {
  spec: ChildSpec;
  ref: ActorRef | null;
}

/**
 * An OTP-style supervisor, itself an actor: it starts its children in order, watches them, and
 * restarts them by strategy, restart type, intensity and backoff. When restarts exceed the
 * intensity it stops every child (newest first) and crashes, so its own watcher (usually its
 * parent supervisor) sees `Down(crashed)` — escalation.
 */
export const supervisor = behaviour<SupervisorMsg, SupervisorArgs>({
  setup: async (ctx, args) => {
    validateSupervisorArgs(args);
    const strategy = args.strategy ?? 'one_for_one';
    const intensity = args.intensity ?? DEFAULT_INTENSITY;
    const backoff = args.backoff ?? DEFAULT_BACKOFF;
    const children: Child[] = args.children.map((spec) => ({ spec, ref: null }));
    const sharedWorkers = new Map<string, NodeId>();
    let history: number[] = [];

    const start = async (child: Child): Promise<ActorRef> => {
      const { start: how } = child.spec;
      const placement = how.worker ?? 'current';
      const options = { args: how.args, name: how.name, mailbox: how.mailbox, timeoutMs: how.timeoutMs };
      let ref: ActorRef;
      if (typeof placement === 'object') {
        const existing = sharedWorkers.get(placement.shared);
        ref = await ctx
          .spawn(how.behaviour, { ...options, worker: existing ?? 'new' })
          .catch(() => ctx.spawn(how.behaviour, { ...options, worker: 'new' }));
        sharedWorkers.set(placement.shared, ref.node);
      } else {
        ref = await ctx.spawn(how.behaviour, { ...options, worker: placement });
      }
      child.ref = ref;
      ctx.watch(ref);
      return ref;
    };

    const terminate = async (child: Child): Promise<void> => {
      const ref = child.ref;
      if (ref === null) return;
      child.ref = null;
      ctx.unwatch(ref);
      await ctx.stop(ref, child.spec.shutdownMs ?? DEFAULT_CHILD_SHUTDOWN_MS);
    };

    const terminateAll = async (which: Child[]): Promise<void> => {
      for (const child of which.slice().reverse()) await terminate(child);
    };

    for (const child of children) {
      const ref = await start(child);
      ctx.publish({ type: 'supervisor.started', supervisor: ctx.self.address, child: child.spec.id, ref: ref.address });
    }

    const onDown = async (down: Down): Promise<void> => {
      const at = children.findIndex((child) => child.ref?.address === down.ref.address);
      if (at < 0) return;
      const child = children[at]!;
      child.ref = null;
      await childFailed(child, down.ref.address, down.reason, down.error);
    };

    /** A child went down, or failed to start again: restart it by type, strategy and intensity. */
    const childFailed = async (child: Child, address: string, reason: Down['reason'], error: Error | undefined): Promise<void> => {
      const event = {
        type: 'supervisor.crashed' as const,
        supervisor: ctx.self.address,
        child: child.spec.id,
        ref: address as Address,
        reason,
      };
      ctx.publish(error ? { ...event, error: String(error.message) } : event);
      const restart = child.spec.restart ?? 'permanent';
      if (restart === 'temporary') {
        children.splice(children.indexOf(child), 1);
        return;
      }
      if (restart === 'transient' && !isAbnormal(reason)) return;

      const recorded = recordRestart(history, Date.now(), intensity);
      history = recorded.history;
      if (recorded.exceeded) {
        await terminateAll(children);
        ctx.publish({ type: 'supervisor.escalated', supervisor: ctx.self.address, restarts: history.length });
        throw errors.supervisorEscalated(ctx.self.address, history.length, intensity.withinMs, error);
      }
      const at = children.indexOf(child);
      const affected =
        strategy === 'one_for_one' ? [child] : strategy === 'one_for_all' ? children : children.slice(at);
      await terminateAll(affected.filter((c) => c !== child));
      const delay = backoffDelay(history.length, backoff);
      ctx.timers.once(`restart:${child.spec.id}`, delay, {
        type: 'supervisor.restart',
        ids: affected.map((c) => c.spec.id),
        backoffMs: delay,
      });
    };

    const restartChildren = async (ids: readonly string[], backoffMs: number): Promise<void> => {
      for (const child of children) {
        if (!ids.includes(child.spec.id) || child.ref !== null) continue;
        let ref: ActorRef;
        try {
          ref = await start(child);
        } catch (error) {
          // A child that cannot start counts as a crash: retried with backoff, within intensity.
          await childFailed(child, `${child.spec.start.name ?? child.spec.id}@?`, 'crashed', error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        ctx.publish({
          type: 'supervisor.restarted',
          supervisor: ctx.self.address,
          child: child.spec.id,
          ref: ref.address,
          restarts: history.length,
          backoffMs,
        });
      }
    };

    return {
      receive: (message: SupervisorMsg | Down, _ctx: ActorContext<SupervisorMsg>) => {
        if (isDown(message)) return onDown(message);
        switch (message.type) {
          case 'supervisor.which_children':
            return children.map(
              (child): ChildInfo => ({
                id: child.spec.id,
                ref: child.ref?.address ?? null,
                restart: child.spec.restart ?? 'permanent',
              }),
            );
          case 'supervisor.start_child': {
            // A child that fails to start is not kept, and the supervisor itself goes on: the
            // error is the caller's answer, not a crash of the supervisor.
            const reply = ctx.deferReply();
            try {
              validateSupervisorArgs({ children: [...children.map((c) => c.spec), message.spec] });
            } catch (error) {
              reply.reject(error);
              return undefined;
            }
            const child: Child = { spec: message.spec, ref: null };
            children.push(child);
            return start(child).then(
              (ref) => {
                ctx.publish({ type: 'supervisor.started', supervisor: ctx.self.address, child: child.spec.id, ref: ref.address });
                reply.resolve(ref.address);
              },
              (error: unknown) => {
                children.splice(children.indexOf(child), 1);
                reply.reject(error);
              },
            );
          }
          case 'supervisor.terminate_child': {
            const at = children.findIndex((child) => child.spec.id === message.id);
            if (at < 0) return false;
            const child = children[at]!;
            children.splice(at, 1);
            return terminate(child).then(() => true);
          }
          case 'supervisor.restart':
            return restartChildren(message.ids, message.backoffMs);
        }
      },
      stopped: () => terminateAll(children),
    };
  },
});

/** Where the supervisor behaviour lives, for spawning it in any worker. */
export const SUPERVISOR: BehaviourRef = behaviourRef(import.meta.url, 'supervisor');
