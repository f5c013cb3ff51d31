// Every wire format of Barometer, re-exported for convenience; prefer the subpath imports.
export * from './kafka.ts';
export * from './items.ts';
export * from './api.ts';
export * from './socket.ts';
