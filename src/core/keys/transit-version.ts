/** The key version a Vault transit ciphertext names (`vault:v<N>:...`): the one place this prefix is parsed. */
const VERSION_PREFIX = /^vault:v(\d+):/;

/** N of `vault:vN:...`; NaN when the value has no such prefix. */
export function transitCiphertextVersion(ciphertext: string): number {
  const m = VERSION_PREFIX.exec(ciphertext);
  return m ? Number(m[1]) : NaN;
}
