import * as tf from '@kiln/contracts/tf';
import { ConfigError, resolveUserPath, type ComponentContext } from '@kiln/core';
import { describeMismatch, matchTensors, readWeightsFile, type MatchResult, type SourceKey, type TensorMap } from '@kiln/weights';
import { TORCH_NAME_MAPS } from './torch-names';

export interface PretrainedOptions {
  pretrained?: string | null;
  strict?: boolean;
  /** false: a head of another class count is a mismatch like any other (a distillation teacher must keep its head). Default true. */
  reinitHead?: boolean;
}

const HEAD = 'logits/';

/**
 * Loads `model.pretrained` into a freshly built zoo network, in place. File keys are Kiln's own weight
 * names (a Kiln-written safetensors) or the model type's PyTorch names (conv/dense layouts converted).
 * A logits layer whose class count differs keeps its fresh initialisation, with a WARN. Any other
 * missing, unexpected or misshaped key: an error listing them all (strict) or a WARN (strict: false).
 */
export function applyPretrained(net: tf.LayersModel, modelType: string | undefined, options: PretrainedOptions, context: ComponentContext = {}): void {
  if (!options.pretrained) return;
  const file = resolveUserPath(options.pretrained);
  let tensors: TensorMap;
  try {
    tensors = readWeightsFile(file);
  } catch (err) {
    throw new ConfigError(`model.pretrained: ${(err as Error).message}`, { key: 'pretrained', path: 'model.pretrained' }, { cause: err });
  }
  // Without a type (e.g. a distillation teacher built from a topology), the name map that fits best.
  const type = modelType ?? bestNameMap(net, tensors);
  const result = matchPretrained(net, type, tensors);
  const head = options.reinitHead === false ? undefined : headReinitialised(result, tensors, net, type);
  if (head) context.logger?.warn(`model.pretrained: ${head}`);
  const problem = describeMismatch(result);
  if (problem) {
    if (options.strict !== false) {
      throw new ConfigError(`model.pretrained: ${file} does not fit model '${type || net.name}' (model.strict=true): ${problem}`, { key: 'pretrained', path: 'model.pretrained' });
    }
    context.logger?.warn(`model.pretrained: ${file} (model.strict=false), these weights keep their initialisation: ${problem}`);
  }
  tf.tidy(() => {
    for (const w of net.weights) {
      const values = result.values.get(w.originalName);
      if (values) w.write(tf.tensor(values, w.shape as number[], w.dtype));
    }
  });
  context.logger?.info(`model.pretrained: ${result.values.size}/${net.weights.length} weights from ${file}`);
}

/** Pairs the net's weights with the file's tensors: Kiln names when the file uses them, else the type's PyTorch map. */
export function matchPretrained(net: tf.LayersModel, modelType: string, tensors: TensorMap): MatchResult {
  const targets = net.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
  return matchTensors(targets, tensors, sourceFor(net, modelType, tensors), (k) => k.endsWith('num_batches_tracked'));
}

function bestNameMap(net: tf.LayersModel, tensors: TensorMap): string {
  const problems = (type: string) => {
    const r = matchPretrained(net, type, tensors);
    return r.missing.length + r.unexpected.length + r.misshaped.length;
  };
  return ['', ...Object.keys(TORCH_NAME_MAPS)].reduce((best, t) => (problems(t) < problems(best) ? t : best));
}

function sourceFor(net: tf.LayersModel, modelType: string, tensors: TensorMap): (name: string) => SourceKey | undefined {
  const rank = new Map(net.weights.map((w) => [w.originalName, w.shape.length]));
  const kilnNames = [...rank.keys()].some((n) => tensors.has(n));
  const torch = TORCH_NAME_MAPS[modelType];
  return (name) => (kilnNames || !torch ? { key: name, layout: 'same' } : torch(name, rank.get(name) ?? 0));
}

/**
 * When the file's logits layer has another class count, takes the logits weights out of the mismatch
 * (they keep their fresh initialisation) and says so; undefined otherwise.
 */
function headReinitialised(r: MatchResult, tensors: TensorMap, net: tf.LayersModel, modelType: string): string | undefined {
  const heads = r.misshapedTargets.filter((t) => t.startsWith(HEAD));
  if (!heads.length) return undefined;
  const bias = `${HEAD}bias`;
  const classes = net.weights.find((w) => w.originalName === bias)?.shape[0];
  const fileBias = tensors.get(sourceFor(net, modelType, tensors)(bias)?.key ?? '');
  const fileClasses = fileBias?.shape.length === 1 ? fileBias.shape[0] : undefined;
  if (fileClasses === undefined || fileClasses === classes) return undefined;
  for (const t of heads) {
    const i = r.misshapedTargets.indexOf(t);
    r.misshapedTargets.splice(i, 1);
    r.misshaped.splice(i, 1);
  }
  return `the file's head has ${fileClasses} classes, the model ${classes}: the logits layer is re-initialised (fine-tune it)`;
}
