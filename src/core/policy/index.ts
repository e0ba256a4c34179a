export * from './model';
export * from './config';
export * from './glob';
export * from './key-meta';
export * from './rules';
export { scanFile, censusLabel, HitAggregator, UNKNOWN_LABEL, type FileKind, type FileScanResult, type FileScanOptions } from './scan-file';
export * from './walk';
export * from './scanner';
export * from './decoration';
