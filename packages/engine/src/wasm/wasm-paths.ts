import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Folder holding tfjs-backend-wasm's `.wasm` binaries (Node cannot fetch them from a URL). */
export function wasmBinaryDir(): string {
  const pkg = createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(pkg), 'dist') + '/';
}
