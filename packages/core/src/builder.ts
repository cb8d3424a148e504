import type { ZodType } from 'zod';
import { componentKindOf, type ComponentClass, type ComponentContext } from './component';
import { ConfigError } from './errors';
import type { Kind } from './kinds';
import type { Registries } from './registry';
import { validateOptions } from './validate-options';

/** The services a component of class `cls` receives (the run container resolves them). */
export type ServicesFor = (cls: ComponentClass) => ComponentContext;

export type ConfigNode = Record<string, unknown>;

export function isComponentNode(value: unknown): value is ConfigNode & { _target_: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && '_target_' in value;
}

function fieldSchema(schema: ZodType | undefined, key: string): unknown {
  let s: any = schema;
  for (let i = 0; i < 8 && s?.def && !s.def.shape && s.def.innerType; i++) s = s.def.innerType;
  return s?.def?.shape?.[key];
}

/**
 * Builds components from config nodes: `_target_` picks the class from the registry of
 * the node's kind, the other keys are its options. Nested `_target_` nodes (also inside
 * lists) are built first, depth first, so the parent receives instances.
 */
export class ComponentBuilder {
  private readonly servicesFor: ServicesFor;

  /** `services`: one context for every component, or per class (how `RunContainer` injects). */
  constructor(
    readonly registries: Registries,
    services: ComponentContext | ServicesFor = {},
  ) {
    this.servicesFor = typeof services === 'function' ? services : () => services;
  }

  /** `extra` adds options the config does not hold (e.g. `numClasses` from the data). */
  build<T = unknown>(kind: Kind, node: unknown, path: string, extra: Record<string, unknown> = {}): T {
    const { cls, options } = this.resolve<T>(kind, node, path, extra);
    return new cls(options, this.servicesFor(cls as ComponentClass));
  }

  /**
   * Everything `build` checks — a registered `_target_`, known keys, valid values, nested nodes
   * built — without constructing the node itself; returns its options. `deferred` keys are
   * filled in at build time (a model's `numClasses`), so their absence is not an error here.
   */
  check(kind: Kind, node: unknown, path: string, deferred: readonly string[] = []): Record<string, unknown> {
    return this.resolve(kind, node, path, {}, deferred).options as Record<string, unknown>;
  }

  private resolve<T>(
    kind: Kind,
    node: unknown,
    path: string,
    extra: Record<string, unknown>,
    deferred: readonly string[] = [],
  ): { cls: ComponentClass<T>; options: unknown } {
    if (!isComponentNode(node)) {
      throw new ConfigError(`Expected a ${kind} node with '_target_' at '${path}'`, { path, key: '_target_' });
    }
    const { _target_: target, ...rest } = node;
    if (typeof target !== 'string') {
      throw new ConfigError(`'${path}._target_' must be a registered name (string)`, { path: `${path}._target_` });
    }
    const cls = this.registries.of(kind).get(target, path) as ComponentClass<T>;
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries({ ...rest, ...extra })) {
      const hint = componentKindOf(fieldSchema(cls.optionsSchema, key));
      options[key] = this.buildNested(value, `${path ? path + '.' : ''}${key}`, hint);
    }
    return { cls, options: validateOptions(cls.optionsSchema, options, { component: target, kind, path }, deferred) };
  }

  private buildNested(value: unknown, path: string, hint: Kind | undefined): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.buildNested(v, `${path}.${i}`, hint));
    if (!isComponentNode(value)) return value;
    const name = String(value._target_);
    let kind = hint;
    if (!kind) {
      const kinds = this.registries.kindsWith(name);
      if (kinds.length !== 1) {
        throw new ConfigError(
          kinds.length === 0
            ? `Unknown _target_ '${name}' at '${path}._target_': no registry has it`
            : `Ambiguous _target_ '${name}' at '${path}': registered as ${kinds.join(' and ')}`,
          { path: `${path}._target_`, key: '_target_' },
        );
      }
      kind = kinds[0];
    }
    return this.build(kind, value, path);
  }
}
