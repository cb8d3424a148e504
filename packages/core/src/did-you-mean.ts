/** Levenshtein edit distance (case-insensitive), used for "did you mean …" hints. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[t.length];
}

/** All candidates ordered by closeness to `word` (closest first, ties alphabetical). */
export function rankByCloseness(word: string, candidates: Iterable<string>): string[] {
  return [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(word, c) - (c.toLowerCase().startsWith(word.toLowerCase()) ? 0.5 : 0) }))
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .map((x) => x.c);
}

/** Near misses only: candidates within a distance that scales with the word's length. */
export function suggest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  return rankByCloseness(word, candidates)
    .filter((c) => editDistance(word, c) <= limit || c.toLowerCase().startsWith(word.toLowerCase()))
    .slice(0, max);
}

/** `" (did you mean 'x'?)"` or `""`. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const [best] = suggest(word, candidates, 1);
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}
