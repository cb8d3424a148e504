import type { WdsSample } from './samples';

/** The label cell of a sample: `cls` text, or `label` / `cls` of its `json`. */
export function sampleLabel(s: WdsSample): string | undefined {
  if (s.files.cls) return s.files.cls.toString('utf8').trim();
  if (s.files.json) {
    try {
      const v = JSON.parse(s.files.json.toString('utf8')) as unknown;
      if (typeof v === 'number' || typeof v === 'string') return String(v);
      const o = v as { label?: unknown; cls?: unknown };
      const l = o?.label ?? o?.cls;
      return l === undefined || l === null ? undefined : String(l);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
