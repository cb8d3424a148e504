import type { ZodType } from 'zod';
import { ConfigError, RegistryError } from './errors';
import { rankByCloseness, suggest } from './did-you-mean';
import { COMPONENT_KINDS, type Kind } from './kinds';
import type { Logger } from './logger';
import type { Rng } from './rng';
import type { Token } from './token';

// What a registry holds and what its classes receive refer to each other (a component's context
// carries the registries), so they are declared here, beside the registry, and nowhere else.

/**
 * A registrable component: a class with a stable `type` name (the `_target_` users
 * write) and an options schema that validates its constructor options.
 */
export interface ComponentClass<T = unknown, O = any> {
  readonly type: string;
  /** Zod schema of the options; use `z.object({...}).strict()` so unknown keys are caught. */
  readonly optionsSchema?: ZodType<O>;
  /** One-line description shown in listings and JSON Schema. */
  readonly description?: string;
  /** Run services to inject (name → token); default: every run service. See `RunContainer`. */
  readonly inject?: InjectSpec;
  new (options: O, context?: ComponentContext): T;
}

/**
 * The services a component may use, injected by the run container. Every field is optional
 * so a component stays constructible as plain `new X(options)` in other projects.
 */
export interface ComponentContext {
  config?: Record<string, unknown>;
  registries?: Registries;
  logger?: Logger;
  /** The run directory, when there is one (absent in tests and `fastDevRun`). */
  runDir?: string;
  /** The run's seed; derive streams with `new Rng(seed, 'name')`. */
  seed?: number;
  rng?: Rng;
  engine?: unknown;
  communicator?: unknown;
  /** Services a class asked for with `static inject` beyond these. */
  [extra: string]: unknown;
}

/**
 * A class may declare `static readonly inject = { name: token }` to receive exactly those
 * services (custom tokens included) under those names; without it, it receives every
 * registered run service of `TOKENS`.
 */
export type InjectSpec = Readonly<Record<string, Token<unknown>>>;

interface Entry {
  cls: ComponentClass;
  owner: string;
}

/** Name → component class for one kind. Names are unique; the owner is remembered for errors. */
export class Registry<T = unknown> {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly kind: Kind) {}

  /** Registers `cls` under `cls.type`. `owner` names who registers it (usually the package). */
  register(cls: ComponentClass<T>, owner: string): void {
    const name = cls.type;
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(name)) {
      throw new RegistryError(
        `${this.kind}: ${cls.name || 'class'} needs a static readonly 'type' in snake_case (got ${JSON.stringify(name)})`,
      );
    }
    const existing = this.entries.get(name);
    if (existing) {
      throw new RegistryError(
        `${this.kind} '${name}' is already registered by ${existing.owner}; ${owner} cannot register it again`,
      );
    }
    this.entries.set(name, { cls: cls as ComponentClass, owner });
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Looks `name` up; unknown names fail with the registered names, closest first. */
  get(name: string, path = ''): ComponentClass<T> {
    const entry = this.entries.get(name);
    if (entry) return entry.cls as ComponentClass<T>;
    const names = rankByCloseness(name, this.entries.keys());
    const [best] = suggest(name, names, 1);
    const where = path ? ` at '${path}._target_'` : '';
    const hint = best ? ` Did you mean '${best}'?` : '';
    const list = names.length ? names.join(', ') : '(none registered — did you call registerAll()?)';
    throw new ConfigError(`Unknown ${this.kind} _target_ '${name}'${where}.${hint} Registered ${this.kind}: ${list}`, {
      path: path ? `${path}._target_` : '_target_',
      key: '_target_',
      suggestions: names.slice(0, 3),
    });
  }

  owner(name: string): string | undefined {
    return this.entries.get(name)?.owner;
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  classes(): ComponentClass<T>[] {
    return [...this.entries.values()].map((e) => e.cls as ComponentClass<T>);
  }
}

/** One registry per kind. */
export class Registries {
  private readonly byKind = new Map<Kind, Registry>(COMPONENT_KINDS.map((k) => [k, new Registry(k)]));

  of<T = unknown>(kind: Kind): Registry<T> {
    return this.byKind.get(kind)! as Registry<T>;
  }
  get datasets() { return this.of('datasets'); }
  get processors() { return this.of('processors'); }
  get transforms() { return this.of('transforms'); }
  get models() { return this.of('models'); }
  get losses() { return this.of('losses'); }
  get metrics() { return this.of('metrics'); }
  get optimizers() { return this.of('optimizers'); }
  get schedulers() { return this.of('schedulers'); }
  get callbacks() { return this.of('callbacks'); }
  get trainers() { return this.of('trainers'); }

  /** Kinds that have `name` registered (used when a nested node's kind is not declared). */
  kindsWith(name: string): Kind[] {
    return COMPONENT_KINDS.filter((k) => this.of(k).has(name));
  }
}

/** Each package exports one of these as `register`; nothing registers on import. */
export type RegisterFn = (registries: Registries) => void;

export function createRegistries(...registerFns: RegisterFn[]): Registries {
  const registries = new Registries();
  for (const fn of registerFns) fn(registries);
  return registries;
}
