/** The GCM tag did not verify: wrong key, or the data was altered. */
export class AuthError extends Error {
  constructor(message = 'authentication failed (wrong key or tampered data)') {
    super(message);
    this.name = 'AuthError';
  }
}

/** A value is malformed: bad base64, wrong nonce length, missing field. */
export class CorruptValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptValueError';
  }
}

/** A value names a version or algorithm this reader does not implement. */
export class UnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedError';
  }
}
