import type { StoreBackend } from './types.js';

/** The default: nothing outlives the process. */
export const memoryBackend: StoreBackend = {
  load: async () => new Map(),
  writeMessage: async (_drop, _folder, message) => message,
  updateFlags: async () => {},
  removeMessages: async () => {},
  saveFolder: async () => {},
  deleteFolder: async () => {},
  renameFolder: async () => {},
  flush: async () => {},
  loadLastUidValidity: async () => 0,
  saveLastUidValidity: async () => {},
};
