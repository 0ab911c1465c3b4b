export { buildInputArgs } from './input-args.js';
export { discoverDevices, type DiscoverOptions } from './discover.js';
export { DEVICE_CHOICE_PATTERN, deviceId, parseDeviceChoice } from './device-id.js';
export { resolveScreen, selectionFromConfig } from './selection.js';
export type * from './types.js';
