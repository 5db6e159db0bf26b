export * from './actor/index.js';
export * from './protocol/index.js';
export * from './checkpoint/index.js';
export * from './cluster/index.js';
