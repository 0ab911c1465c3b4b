export * from './ids.js';
export * from './envelope.js';
export * from './errors.js';
export * from './server-api.js';
export * from './booth-api.js';
export * from './faults.js';
export * from './staff.js';
export * from './retention.js';
