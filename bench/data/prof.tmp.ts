import { readCsvIndex, RowIndex, statPass } from '@kiln/data';
(async () => {
  const csv = await readCsvIndex('/tmp/dh/s/m.csv');
  for (const threads of [1, 2, 1, 2, 4]) {
    const t = performance.now();
    const idx = new RowIndex(csv.csvName, csv.root, csv.rows, csv.cells);
    await statPass(idx, threads);
    console.log('stat threads', threads, (performance.now() - t).toFixed(0));
  }
})();
