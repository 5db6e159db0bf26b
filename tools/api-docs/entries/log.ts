/**
 * `import … from 'mesolith/log'`: structured logs (pino) of a cluster's roles and a framework's tasks.
 *
 * @module mesolith/log
 */
export * from '../../../src/log/index.js';
