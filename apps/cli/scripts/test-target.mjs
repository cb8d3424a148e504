// The `cli:test` nx target serves two callers:
//  - the product command: `npx nx run cli:test --input=in.csv --output=out.csv [--gpus=0 …]` or the
//    spec's positionals `npx nx run cli:test in.csv out.csv 0` write predictions (`kiln test …`);
//  - the test runner: `npx nx affected -t test` / `run-many -t test` pass no arguments (or vitest
//    file filters / options), and get the CLI's own unit tests, like every other project's `test` target.
// The rule: it is the product command when an argument is `--input`/`--output` (or `--help`), or
// the first bare argument names a .csv file; vitest filters name test files (.ts), never a CSV.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProductCommand } from './product-command.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cliRoot = join(here, '..');
const args = process.argv.slice(2);

const result = isProductCommand(args)
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
