import { TRANSFORM_CLASSES } from '@kiln/augmentation';

/** A per-image transform as plain data: what a worker thread rebuilds it from. */
export interface TransformSpec {
  type: string;
  options: Record<string, unknown>;
}

type TransformClass = (typeof TRANSFORM_CLASSES)[number];

function classOf(t: object): TransformClass | undefined {
  return TRANSFORM_CLASSES.find((c) => t instanceof c || (t.constructor as { type?: string }).type === c.type);
}

/** Own fields of a transform tree (type included): equal snapshots = the same transform. */
function snapshot(t: unknown): unknown {
  if (Array.isArray(t)) return t.map(snapshot);
  if (t === null || typeof t !== 'object') return t;
  const type = (t.constructor as { type?: string }).type;
  const out: Record<string, unknown> = type ? { '@type': type } : {};
  for (const [k, v] of Object.entries(t)) out[k] = snapshot(v);
  return out;
}

function toSpec(t: object): TransformSpec | undefined {
  const cls = classOf(t);
  if (!cls) return undefined;
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) {
    if (cls.type === 'compose' && k === 'batchTransforms') continue; // the loader runs those
    if (cls.type === 'compose' && k === 'transforms') {
      const inner = (v as object[]).map(toSpec);
      if (inner.some((s) => !s)) return undefined;
      options.transforms = inner;
    } else options[k] = v;
  }
  return { type: cls.type, options };
}

/** Rebuilds a transform from its spec (in a worker, or to check a spec). */
export function fromTransformSpec(spec: TransformSpec): object {
  const cls = TRANSFORM_CLASSES.find((c) => c.type === spec.type);
  if (!cls) throw new Error(`unknown transform type ${spec.type}`);
  const options = { ...spec.options };
  if (spec.type === 'compose') options.transforms = (options.transforms as TransformSpec[]).map(fromTransformSpec);
  return new (cls as unknown as new (o: unknown) => object)(options);
}

/**
 * The spec of an `@kiln/augmentation` transform tree, when it can be rebuilt exactly from its
 * public fields (checked by rebuilding and comparing); undefined for anything else (user
 * transforms, fields that do not map back to options): those then run on the main thread.
 */
export function toTransformSpec(t: unknown): TransformSpec | undefined {
  if (t === null || typeof t !== 'object') return undefined;
  const spec = toSpec(t);
  if (!spec) return undefined;
  try {
    const rebuilt = fromTransformSpec(structuredClone(spec));
    const strip = (x: unknown) => {
      const s = snapshot(x) as Record<string, unknown>;
      delete s.batchTransforms;
      return JSON.stringify(s);
    };
    return strip(rebuilt) === strip(t) ? spec : undefined;
  } catch {
    return undefined;
  }
}
