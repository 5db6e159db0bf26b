/**
 * `import … from 'mesolith'`: the actor runtime (ActorSystem, behaviours, supervision), the
 * cluster's protocol (ids, task model, states, events, one schema per inbox), the LMDB
 * checkpoint store, and LocalCluster with the Framework API.
 *
 * @module mesolith
 */
export * from '../../../src/index.js';
