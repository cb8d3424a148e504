import { enableCompileCache } from './compile-cache';

// Before anything else loads: every module after this line compiles from the cache (issue 21).
enableCompileCache();

// required after the cache is on, so the CLI's own modules and their dependencies use it
const { runCli } = require('./cli') as typeof import('./cli');

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
