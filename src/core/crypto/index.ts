export * from './errors';
export * from './aes-gcm';
export * from './argon2';
export * from './argon2-pool';
export * from './symbiont-cipher';
export * from './envelope-cipher';
