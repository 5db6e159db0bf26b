import * as v from 'valibot';
import { ProtocolError } from './errors.js';

/**
 * Ids of the cluster's objects. Every id becomes a segment of a checkpoint key (and, for
 * Mesos compatibility, could be a directory name), so one rule holds for all of them: 1–128
 * characters from A–Z a–z 0–9 _ . : -, and never `.` or `..`. A value is checked once, where it
 * enters (a launch, a message from another thread); inside, the brand says it was.
 */
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export const ID_RULE = '1-128 characters from A-Z a-z 0-9 _ . : - (not "." or "..")';

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value) && value !== '.' && value !== '..';
}

const validId = v.check((value: string) => isValidId(value), `must be ${ID_RULE}`);
const id = <B extends string>(brand: B) => v.pipe(v.string(), validId, v.brand(brand));

export const AgentIdSchema = id('AgentId');
export const FrameworkIdSchema = id('FrameworkId');
export const ExecutorIdSchema = id('ExecutorId');
export const RunIdSchema = id('RunId');
export const TaskIdSchema = id('TaskId');
export const OfferIdSchema = id('OfferId');
/** A simulated host's id: it names the host's work dir (`<workDir>/<hostId>`). Not branded: hosts are named by the cluster, not by messages. */
export const HostIdSchema = v.pipe(v.string(), validId);

export type AgentId = v.InferOutput<typeof AgentIdSchema>;
export type FrameworkId = v.InferOutput<typeof FrameworkIdSchema>;
export type ExecutorId = v.InferOutput<typeof ExecutorIdSchema>;
export type RunId = v.InferOutput<typeof RunIdSchema>;
export type TaskId = v.InferOutput<typeof TaskIdSchema>;
export type OfferId = v.InferOutput<typeof OfferIdSchema>;

type IdSchema = typeof TaskIdSchema | typeof AgentIdSchema | typeof FrameworkIdSchema | typeof ExecutorIdSchema | typeof RunIdSchema | typeof OfferIdSchema;

/** Checks a value taken from a user (a task id given to `launch`, say); throws `ERR_INVALID_ID` naming the field. */
export function parseId<S extends IdSchema>(schema: S, value: unknown, field: string): v.InferOutput<S> {
  if (!isValidId(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeof value;
    throw new ProtocolError('ERR_INVALID_ID', field, `${field} ${shown} is not a valid id: use ${ID_RULE}`);
  }
  return value as unknown as v.InferOutput<S>;
}

/** The path of one task in the tree: agent → framework → executor → run → task. */
export interface RunPath {
  readonly agentId: AgentId;
  readonly frameworkId: FrameworkId;
  readonly executorId: ExecutorId;
  readonly runId: RunId;
}
export interface TaskPath extends RunPath {
  readonly taskId: TaskId;
}
