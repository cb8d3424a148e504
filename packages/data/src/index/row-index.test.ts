import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RowIndex } from './row-index';
import { StringTable } from './string-table';

function indexOf(root: string, cells: string[]): RowIndex {
  return new RowIndex('t.csv', root, Int32Array.from(cells, (_, i) => i + 2), StringTable.from(cells));
}

// path() appends plain cells to the root instead of calling resolve(): it must give resolve()'s string for every cell.
const CELLS = [
  'a.png', 'img/a.png', 'img/sub/a b.png', 'ünï/çødé.png', '.hidden.png', 'a..png', '..a.png', 'dir.d/x.png', 'x/...png',
  './a.png', '../a.png', 'img/./a.png', 'img/../a.png', 'img/..', 'img/.', '.', '..', 'img//a.png', 'img/', '/abs/a.png',
  '//abs/a.png', 'a/b/../../c.png', 'a/.../b.png', 'a/..b/c.png', 'a/b..', '', 'a\\b.png', ' a.png',
];

describe('RowIndex.path', () => {
  for (const root of ['/data/set', '/data/set/', '/', '/data/./set', '/data/../data/set', 'relative/root']) {
    it(`equals resolve(root, cell) for root ${JSON.stringify(root)}`, () => {
      const index = indexOf(root, CELLS);
      CELLS.forEach((cell, i) => expect(index.path(i)).toBe(resolve(root, cell)));
    });
  }
});
