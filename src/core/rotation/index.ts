/** Key rotation: new key versions, plan/census, crash-safe re-encryption, verify, retire/purge. Pure Node. */
export * from './state';
export * from './rotation-keys';
export * from './reencrypt';
export * from './census';
export * from './key-ops';
export { RotationError, type RotationErrorCode } from './rewriters';
export { rotatableFor, type NewVersionResult, type Rotatable } from '../keys/rotatable';
