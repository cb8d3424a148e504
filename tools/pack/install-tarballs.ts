/**
 * Try the packages before they are published: packs them from the built `dist/` and installs the
 * tarballs into a new project, offline (third-party packages come from npm's cache, as pinned by
 * this repository's package-lock.json).
 *
 *   npx tsc -b tsconfig.build.json
 *   npx tsx tools/pack/install-tarballs.ts /tmp/kiln-try core metrics   # → /tmp/kiln-try/{package.json,node_modules,tarballs/}
 */
import { resolve } from 'node:path';
import { installTarballsOffline } from './install-offline';

const [dir, ...short] = process.argv.slice(2);
if (!dir || short.length === 0) {
  console.error('usage: npx tsx tools/pack/install-tarballs.ts <new project dir> <package…>   (e.g. core metrics, or @kiln/data)');
  process.exit(2);
}
const root = resolve(__dirname, '../..');
const names = short.map((n) => (n.startsWith('@') ? n : `@kiln/${n}`));
try {
  const { tarballs } = installTarballsOffline(root, names, resolve(dir));
  for (const t of tarballs) console.log(`${t.name}@${t.version}  ${t.file}`);
  console.log(`installed into ${resolve(dir)}: require('${names[0]}') / import { … } from '${names[0]}' work there`);
} catch (e) {
  const err = e as Error & { stderr?: string };
  console.error(`kiln pack: ${err.message}${err.stderr ? `\n${err.stderr}` : ''}`);
  process.exit(1);
}
