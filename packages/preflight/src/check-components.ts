import { ComponentBuilder, silentLogger, type Registries } from '@kiln/core';

/** What the data gives the model at build time; a config check cannot know it yet. */
const FROM_DATA = ['numClasses', 'inputShape'];

export interface ComponentLine {
  path: string;
  target: string;
}

/**
 * Every component node of a training config checked on its own (registered `_target_`, known
 * keys, valid values), so one run of `--dry-run` lists every config error, not only the first.
 * Touches no data and builds nothing (the same nodes as the trainer's `checkRunConfig`).
 */
export function checkComponents(config: Record<string, unknown>, registries: Registries): { problems: string[]; components: ComponentLine[] } {
  const builder = new ComponentBuilder(registries, { logger: silentLogger });
  const problems: string[] = [];
  const components: ComponentLine[] = [];
  const check = (kind: Parameters<ComponentBuilder['check']>[0], node: unknown, path: string, deferred: string[] = []) => {
    try {
      builder.check(kind, node, path, deferred);
      components.push({ path, target: String((node as { _target_?: unknown })._target_) });
    } catch (err) {
      problems.push((err as Error).message);
    }
  };
  check('datasets', config.data, 'data');
  check('models', config.model, 'model', FROM_DATA);
  check('losses', config.loss, 'loss');
  check('optimizers', config.optimizer, 'optimizer');
  if (config.scheduler !== undefined && config.scheduler !== null) check('schedulers', config.scheduler, 'scheduler');
  const callbacks = config.callbacks;
  if (callbacks !== undefined && callbacks !== null) {
    if (typeof callbacks !== 'object' || Array.isArray(callbacks)) problems.push("'callbacks' must be a mapping");
    else {
      for (const [name, node] of Object.entries(callbacks)) {
        if (node !== null && node !== false) check('callbacks', node, `callbacks.${name}`);
      }
    }
  }
  const trainer = config.trainer ?? {};
  if (typeof trainer !== 'object' || Array.isArray(trainer)) problems.push("'trainer' must be a mapping");
  else check('trainers', { _target_: 'trainer', ...trainer }, 'trainer');
  return { problems, components };
}
