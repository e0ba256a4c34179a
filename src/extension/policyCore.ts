/** The policy part of the core, for the extension (pure Node, no 'vscode'); like core.ts for the engine. */
export { keyPolicyBadge, overdueKeys, parsePolicy, PolicyConfigError, scanPolicy, isFailing } from '../core/policy';
export type { Census, KeyBadge, PolicyConfig, PolicyFinding, PolicyReport, ScanProgress, Severity } from '../core/policy';
