/**
 * `import … from 'mesolith/http'`: `serveCluster`, the HTTP API and web view of a LocalCluster.
 *
 * @module mesolith/http
 */
export * from '../../../src/http/index.js';
