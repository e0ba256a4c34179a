import { parseArgs, UsageError } from '../args';
import { loadConfig } from '../config';
import type { Output } from '../output';
import { recordConsent } from '../vault-consent';

export const ALLOW_VAULT_ADDRESS_USAGE = 'enclog allow-vault-address ADDRESS | --revoke';

/**
 * The explicit consent to send the Vault token to the address `.enclog.json` names in the working
 * directory: the user types the address, which must be the one in the file.
 */
export async function allowVaultAddressCommand(argv: string[], out: Output): Promise<number> {
  const args = parseArgs(argv, { booleans: ['revoke'] });
  const cwd = process.cwd();
  if (args.flags.has('revoke')) {
    if (args.positional.length > 0) throw new UsageError(`--revoke takes no address; usage: ${ALLOW_VAULT_ADDRESS_USAGE}`);
    const file = recordConsent(cwd, undefined);
    await out.line(`withdrew the consent for ${cwd} (${file})`);
    return 0;
  }
  if (args.positional.length !== 1) throw new UsageError(`expected the address, exactly as .enclog.json names it; usage: ${ALLOW_VAULT_ADDRESS_USAGE}`);
  const wanted = args.positional[0];
  const config = loadConfig(cwd, {});
  const named = config.fileVaultAddress;
  if (named === undefined) throw new UsageError(`no "vault": {"address"} in ${config.path ?? '.enclog.json'} of ${cwd}`);
  if (named !== wanted) throw new UsageError(`${config.path} names the Vault address ${JSON.stringify(named)}, not ${JSON.stringify(wanted)}: nothing recorded`);
  const file = recordConsent(cwd, named);
  await out.line(`your Vault token may now go to ${named} when enclog runs in ${cwd} (recorded in ${file}; VAULT_ADDR still wins)`);
  return 0;
}
