import { WeightsFormatError } from './errors';
import { convertedShape, convertLayout, type Layout } from './layout';
import { toFloat32, type TensorMap } from './tensor-map';

/** A weight of the receiving model: its name and shape there. */
export interface TargetWeight {
  name: string;
  shape: number[];
}

/** Where a target weight comes from in the file, and how its layout changes. */
export interface SourceKey {
  key: string;
  layout: Layout;
}

export interface MatchResult {
  /** Converted values by target name. */
  values: Map<string, Float32Array>;
  /** Target weights without a tensor in the file (file key in brackets when one was expected). */
  missing: string[];
  /** File tensors nothing took. */
  unexpected: string[];
  /** `key: file [..] → model [..]` for every shape that does not fit. */
  misshaped: string[];
  /** Target names whose file tensor did not fit (subset of the misshaped list). */
  misshapedTargets: string[];
}

/**
 * Pairs the model's weights with a file's tensors through `sourceOf` (target name → file key), converts
 * layouts and checks every shape, collecting every missing, unexpected and misshaped key (like PyTorch's
 * `load_state_dict(strict=True)` report) instead of stopping at the first. `ignore` keys (e.g.
 * `num_batches_tracked`) are neither used nor reported.
 */
export function matchTensors(
  targets: readonly TargetWeight[],
  tensors: TensorMap,
  sourceOf: (target: string) => SourceKey | undefined,
  ignore: (key: string) => boolean = () => false,
): MatchResult {
  const result: MatchResult = { values: new Map(), missing: [], unexpected: [], misshaped: [], misshapedTargets: [] };
  const used = new Set<string>();
  for (const t of targets) {
    const src = sourceOf(t.name);
    const tensor = src && tensors.get(src.key);
    if (!src || !tensor) {
      result.missing.push(src ? `${src.key} (for ${t.name})` : t.name);
      continue;
    }
    used.add(src.key);
    const shape = convertedShape(tensor.shape, src.layout);
    if (!shape || shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])) {
      result.misshaped.push(`${src.key}: file [${tensor.shape.join(', ')}]${src.layout === 'same' ? '' : ` (${src.layout})`} → model ${t.name} [${t.shape.join(', ')}]`);
      result.misshapedTargets.push(t.name);
      continue;
    }
    result.values.set(t.name, convertLayout(toFloat32(tensor), tensor.shape, src.layout));
  }
  for (const key of tensors.keys()) if (!used.has(key) && !ignore(key)) result.unexpected.push(key);
  return result;
}

/** One message listing every problem of a match, or undefined when there is none. */
export function describeMismatch(r: Pick<MatchResult, 'missing' | 'unexpected' | 'misshaped'>): string | undefined {
  const parts: string[] = [];
  if (r.missing.length) parts.push(`missing key(s) ${r.missing.length}: ${r.missing.join(', ')}`);
  if (r.unexpected.length) parts.push(`unexpected key(s) ${r.unexpected.length}: ${r.unexpected.join(', ')}`);
  if (r.misshaped.length) parts.push(`size mismatch ${r.misshaped.length}: ${r.misshaped.join('; ')}`);
  return parts.length ? parts.join('. ') : undefined;
}

/** Throws a {@link WeightsFormatError} naming the file and listing every problem. */
export function assertMatched(r: MatchResult, source: string): void {
  const msg = describeMismatch(r);
  if (msg) throw new WeightsFormatError(`${source} does not fit the model: ${msg}`);
}
