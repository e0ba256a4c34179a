export * from './detect';
export * from './envelope';
export * from './line-index';
export * from './log-file';
export * from './record-base';
export * from './symbiont';
export * from './transit-jsonl';
export { idHash } from './update-ids';
