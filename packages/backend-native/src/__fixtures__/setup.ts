import { isNativeAvailable } from '../info.js';
import { registerNativeBackend } from '../register-backend.js';

/** True when the addon is built; registers the backend once. */
export const nativeReady: boolean = isNativeAvailable() && registerNativeBackend();
