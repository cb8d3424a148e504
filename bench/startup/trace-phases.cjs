// Preloaded (`node -r`) by time-to-first-step.ts --phases: where start-up time goes.
// - every module load that crosses a package boundary is timed; each package is charged the
//   time of its own loading minus the packages it loads (so the list adds up);
// - each log line gets the process clock (performance.now(), ms since start) in front.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const pkgOf = (file) => {
  if (!file || !path.isAbsolute(file)) return 'node:' + String(file).replace(/^node:/, '');
  const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  const k = file.match(/\/(packages|apps)\/([^/]+)\//);
  return k ? `@kiln/${k[2]}` : file;
};
const self = new Map();
const stack = [];
const origLoad = Module._load;
Module._load = function (request, parent, isMain) {
  let file;
  try {
    file = Module._resolveFilename(request, parent, isMain);
  } catch {
    return origLoad.apply(this, arguments);
  }
  const from = parent && parent.filename ? pkgOf(parent.filename) : '';
  const to = pkgOf(file);
  if (to === from || Module._cache[file] || to.startsWith('node:')) return origLoad.apply(this, arguments);
  const t0 = performance.now();
  stack.push(0);
  try {
    return origLoad.apply(this, arguments);
  } finally {
    const total = performance.now() - t0;
    const children = stack.pop();
    self.set(to, (self.get(to) ?? 0) + total - children);
    if (stack.length) stack[stack.length - 1] += total;
  }
};
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  let atLineStart = true;
  stream.write = (chunk, ...rest) => {
    const s = String(chunk);
    const out = s.replace(/^(?=.)/gm, () => `[${performance.now().toFixed(0).padStart(5)} ms] `);
    atLineStart = s.endsWith('\n');
    return write(atLineStart ? out : out, ...rest);
  };
}
process.on('exit', () => {
  const rows = [...self].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((a, [, v]) => a + v, 0);
  process.stderr.write(`module loading (self time per package, ms): total ${total.toFixed(0)}\n`);
  for (const [k, v] of rows.slice(0, 20)) process.stderr.write(`  ${v.toFixed(0).padStart(6)}  ${k}\n`);
});
