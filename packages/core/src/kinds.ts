/** Every registry kind, declared in one place (MMEngine's `registry/root.py` idea). */
export const COMPONENT_KINDS = [
  'datasets',
  'processors',
  'transforms',
  'models',
  'losses',
  'metrics',
  'optimizers',
  'schedulers',
  'callbacks',
  'trainers',
] as const;

export type Kind = (typeof COMPONENT_KINDS)[number];
