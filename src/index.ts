export * from './actor/index.js';
export * from './checkpoint/index.js';
