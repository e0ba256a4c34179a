import { UsageError } from './args';
import { decryptCommand, DECRYPT_USAGE } from './commands/decrypt';
import { inspectCommand, INSPECT_USAGE } from './commands/inspect';
import { keysCommand, KEYS_USAGE } from './commands/keys';
import { planCommand, PLAN_USAGE } from './commands/plan';
import { reencryptCommand, REENCRYPT_USAGE } from './commands/reencrypt';
import { retireCommand, RETIRE_USAGE } from './commands/retire';
import { rotateCommand, ROTATE_USAGE } from './commands/rotate';
import { verifyCommand, VERIFY_USAGE } from './commands/verify';
import { policyCommand, POLICY_USAGE } from './commands/policy';
import { allowVaultAddressCommand, ALLOW_VAULT_ADDRESS_USAGE } from './commands/allow-vault-address';
import { Output } from './output';

type Command = (argv: string[], out: Output) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  inspect: inspectCommand,
  decrypt: decryptCommand,
  keys: keysCommand,
  policy: policyCommand,
  rotate: rotateCommand,
  plan: planCommand,
  reencrypt: reencryptCommand,
  verify: verifyCommand,
  retire: retireCommand,
  'allow-vault-address': allowVaultAddressCommand,
};

const USAGE = ['usage:', `  ${INSPECT_USAGE}`, `  ${DECRYPT_USAGE}`, `  ${KEYS_USAGE}`,
  `  ${ROTATE_USAGE}`, `  ${PLAN_USAGE}`, `  ${REENCRYPT_USAGE}`, `  ${VERIFY_USAGE}`, `  ${RETIRE_USAGE}`, `  ${POLICY_USAGE}`, `  ${ALLOW_VAULT_ADDRESS_USAGE}`,
  '', 'key refs: env:NAME  file:PATH  keychain:SERVICE[/ACCOUNT]  keyring:SERVICE/USERNAME  vault-kv:MOUNT/PATH[#field]  vault-transit:MOUNT/NAME',
  'exit codes: 0 ok, 3 some entries or sources failed, 2 usage or I/O error'].join('\n');

/** Returns the exit code: 0 ok, 3 some entries failed, 2 usage or I/O error. */
export async function main(argv: string[], out = new Output()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await out.line(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    return await command(rest, out);
  } catch (err) {
    if (err instanceof UsageError) out.warn(`enclog: ${err.message}\n${USAGE}`);
    else out.warn(`enclog: ${describeError(err)}`);
    return 2;
  }
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' && e.path) return `no such file: ${e.path}`;
  if (e?.code === 'EACCES' && e.path) return `permission denied: ${e.path}`;
  if (e?.code === 'EISDIR') return `is a directory: ${e.path ?? ''}`;
  return e instanceof Error ? e.message : String(err);
}
