// Whether `cli:test`'s arguments ask for the product command (`kiln test`) or the unit tests:
// `--input`/`--output`/`--help`, or a first bare argument naming a .csv file (the spec's
// `in.csv out.csv 0`). vitest file filters name test files, never a CSV.
export function isProductCommand(argv) {
  const option = (a) => /^--(input|output)(=|$)/.test(a) || a === '--help' || a === '-h';
  const firstBare = argv.find((a) => !a.startsWith('-'));
  return argv.some(option) || (firstBare !== undefined && /\.csv$/i.test(firstBare));
}
