import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type TfjsNodePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** Whether a backend can be loaded, and a short reason for the start-up line. */
export interface BackendProbe {
  available: boolean;
  /** e.g. `not installed`, `binding missing`, `addon built`. */
  reason: string;
  /** How to get it, for errors when it was asked for explicitly. */
  hint?: string;
}

const localRequire = createRequire(__filename);

/** Short display name: `tfjs-node`, `tfjs-node-gpu`. */
export const shortName = (pkg: TfjsNodePackage): string => pkg.replace('@tensorflow/', '');

interface BinaryField {
  module_name?: string;
  module_path?: string;
  napi_versions?: number[];
}

/** Paths where the package's `.node` binding can live, from its `binary` field, newest N-API first. */
function bindingCandidates(packageDir: string, binary: BinaryField | undefined): string[] {
  const moduleName = binary?.module_name ?? 'tfjs_binding';
  const out: string[] = [];
  if (binary?.module_path) {
    const napi = [...(binary.napi_versions ?? [])].sort((a, b) => b - a);
    const versions = napi.length > 0 ? napi : [Number(process.versions.napi ?? 8)];
    for (const v of versions) {
      const rel = binary.module_path
        .replace('{napi_build_version}', String(v))
        .replace('{node_abi}', `node-v${process.versions.modules}`)
        .replace('{platform}', process.platform)
        .replace('{arch}', process.arch);
      out.push(join(packageDir, rel, `${moduleName}.node`));
    }
  }
  // Fallback for layouts without a `binary` field: lib/napi-v*/tfjs_binding.node.
  const lib = join(packageDir, 'lib');
  if (existsSync(lib)) {
    for (const entry of readdirSync(lib).filter((e) => /^napi-v\d+$/.test(e)).sort().reverse()) {
      out.push(join(lib, entry, `${moduleName}.node`));
    }
  }
  return out;
}

/**
 * Checks that a tfjs-node package is installed and its native binding exists, without requiring
 * it: requiring a package whose addon is missing half-loads it and prints noise.
 * `paths` overrides where to resolve from (tests).
 */
export function probeTfjsNode(pkg: TfjsNodePackage, paths?: string[]): BackendProbe & { packageDir?: string; binding?: string } {
  const name = shortName(pkg);
  const hint = `install it with \`npm install ${pkg}\` (${pkg.endsWith('-gpu') ? 'Linux x64 with CUDA 11.2 + cuDNN 8.1' : 'Linux/macOS/Windows x64'})`;
  let packageJson: string;
  try {
    packageJson = localRequire.resolve(`${pkg}/package.json`, paths ? { paths } : undefined);
  } catch {
    return { available: false, reason: `${name} not installed`, hint };
  }
  const packageDir = dirname(packageJson);
  let binary: BinaryField | undefined;
  try {
    binary = (JSON.parse(readFileSync(packageJson, 'utf8')) as { binary?: BinaryField }).binary;
  } catch {
    return { available: false, reason: `${name} has an unreadable package.json`, hint, packageDir };
  }
  const binding = bindingCandidates(packageDir, binary).find((p) => existsSync(p));
  if (!binding) {
    return {
      available: false,
      reason: `${name} installed but its native binding is missing`,
      hint: `run \`npm rebuild ${pkg}\` (its install step downloads libtensorflow)`,
      packageDir,
    };
  }
  return { available: true, reason: `${name} found`, packageDir, binding };
}

/** True when an NVIDIA driver is present (Linux); tfjs-node-gpu silently runs on CPU without one. */
export function nvidiaDriverPresent(): boolean {
  if (process.platform !== 'linux') return false;
  return existsSync('/proc/driver/nvidia/version');
}

/** What `@kiln/backend-native` exports (loaded lazily: the package or its addon may be absent). */
export interface NativeBackendModule {
  registerNativeBackend(options?: { priority?: number }): boolean;
  isNativeAvailable(): boolean;
  nativeInfo(): { available: boolean; error?: string; library?: string; threads?: number };
}

export const NATIVE_HINT =
  'build it: Debian/Ubuntu `sudo apt-get install build-essential libopenblas-dev libdnnl-dev`, ' +
  'macOS `brew install openblas onednn`, then `npm rebuild @kiln/backend-native`';

/** Imports `@kiln/backend-native` if installed; undefined (with the reason) when it is not. */
export async function loadNativeModule(): Promise<{ module?: NativeBackendModule; error?: string }> {
  // A variable specifier keeps this an optional, untyped edge: engine builds without the package.
  const specifier = '@kiln/backend-native';
  try {
    const loaded = (await import(specifier)) as NativeBackendModule & { default?: NativeBackendModule };
    const module = typeof loaded.isNativeAvailable === 'function' ? loaded : loaded.default;
    if (!module || typeof module.isNativeAvailable !== 'function') return { error: '@kiln/backend-native has no isNativeAvailable()' };
    return { module };
  } catch (error) {
    return { error: `@kiln/backend-native not installed (${(error as Error).message.split('\n')[0]})` };
  }
}

/** Probes the native backend (loads the JS package, asks whether its addon is built). */
export async function probeNative(): Promise<BackendProbe & { module?: NativeBackendModule }> {
  const { module, error } = await loadNativeModule();
  if (!module) return { available: false, reason: 'native package missing', hint: `${error}; install @kiln/backend-native and ${NATIVE_HINT}` };
  try {
    if (module.isNativeAvailable()) return { available: true, reason: 'native addon built', module };
    const why = module.nativeInfo().error;
    return { available: false, reason: 'native addon not built', hint: `${why ? `${why}; ` : ''}${NATIVE_HINT}`, module };
  } catch (e) {
    return { available: false, reason: 'native addon failed to load', hint: `${(e as Error).message}; ${NATIVE_HINT}`, module };
  }
}

/** The wasm backend ships with Kiln; it is missing only in a broken install. */
export function probeWasm(): BackendProbe {
  try {
    localRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    return { available: true, reason: 'wasm available' };
  } catch {
    return { available: false, reason: 'tfjs-backend-wasm not installed', hint: 'run `npm install @tensorflow/tfjs-backend-wasm`' };
  }
}
