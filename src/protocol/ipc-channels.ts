// Channel names of the Electron IPC between the kiosk preload and main. Kept free of imports so the
// sandboxed preload can include them without bundling zod.
export const IPC_CALL_CHANNEL = 'dualrec:call';
export const IPC_EVENT_CHANNEL = 'dualrec:event';
/** Camera preview JPEGs (main -> kiosk) while recording. */
export const IPC_PREVIEW_CHANNEL = 'dualrec:preview';
