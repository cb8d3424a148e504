// The `cli:test` nx target serves two callers:
//  - the product command: `npx nx run cli:test --input=in.csv --output=out.csv [--gpus=0 …]`
//    writes predictions (`kiln test …`), so the README's command keeps working;
//  - the test runner: `npx nx affected -t test` / `run-many -t test` pass no `--input`, and
//    get the CLI's own unit tests (vitest), like every other project's `test` target.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cliRoot = join(here, '..');
const args = process.argv.slice(2);
const isProductCommand = args.some((a) => a === '--input' || a.startsWith('--input=') || a === '--help' || a === '-h');

const result = isProductCommand
  ? spawnSync(process.execPath, [join(cliRoot, 'dist', 'main.js'), 'test', ...args], { stdio: 'inherit' })
  : spawnSync(process.execPath, [join(cliRoot, '..', '..', 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], {
      stdio: 'inherit',
      cwd: cliRoot,
    });
if (result.error) {
  console.error(`cli:test: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
