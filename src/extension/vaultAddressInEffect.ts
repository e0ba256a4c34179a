/**
 * The workspace-named Vault address the user allowed for this workspace, while it is in effect (set by
 * VaultAddressConsent, read synchronously by config.vaultSettings()). Undefined: none.
 */
let consented: string | undefined;

export function consentedVaultAddress(): string | undefined {
  return consented;
}

export function setConsentedVaultAddress(address: string | undefined): boolean {
  const changed = address !== consented;
  consented = address;
  return changed;
}
