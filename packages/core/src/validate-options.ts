import type { ZodType } from 'zod';
import { ConfigError } from './errors';
import { suggest } from './did-you-mean';

function joinPath(base: string, rest: ReadonlyArray<PropertyKey>): string {
  return [base, ...rest.map(String)].filter((p) => p !== '').join('.');
}

/** Keys a schema accepts at `subPath` (object shapes only), for suggestions. */
function knownKeys(schema: ZodType, subPath: ReadonlyArray<PropertyKey>): string[] {
  let s: any = schema;
  for (const seg of [...subPath, null]) {
    for (let i = 0; i < 8 && s?.def && !s.def.shape && (s.def.innerType || s.def.element); i++) {
      s = s.def.innerType ?? s.def.element;
    }
    if (seg === null) break;
    s = s?.def?.shape?.[seg as string] ?? s?.def?.element;
  }
  return s?.def?.shape ? Object.keys(s.def.shape) : [];
}

/**
 * Validates options against a component's schema. The first problem becomes one
 * ConfigError naming the component, the key, the full config path and a suggestion.
 */
export function validateOptions<O>(
  schema: ZodType<O> | undefined,
  options: unknown,
  where: { component: string; kind: string; path: string },
  /** Top-level keys filled in later (e.g. a model's `numClasses`, known once the data is set up): their problems are ignored. */
  deferred: readonly string[] = [],
): O {
  if (!schema) return options as O;
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  // A misspelt key also shows up as a missing required one; the unknown key is the real cause.
  const issues = (result.error.issues as any[]).filter((i) => !deferred.includes(String(i.path?.[0])));
  if (issues.length === 0) return options as O;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  const label = `${where.kind.replace(/s$/, '')} '${where.component}'`;
  if (issue.code === 'unrecognized_keys') {
    const key: string = issue.keys[0];
    const full = joinPath(where.path, [...issue.path, key]);
    const candidates = knownKeys(schema, issue.path);
    const hits = suggest(key, candidates);
    const hint = hits.length ? ` — did you mean '${hits[0]}'?` : '';
    const valid = candidates.length ? ` Valid keys: ${candidates.join(', ')}.` : '';
    throw new ConfigError(`Unknown key '${full}' for ${label}${hint}${valid}`, {
      path: full,
      key,
      suggestions: hits,
      component: where.component,
    });
  }
  const full = joinPath(where.path, issue.path);
  const key = String(issue.path[issue.path.length - 1] ?? '');
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  const what = missing ? `missing required value` : issue.message;
  throw new ConfigError(`Invalid value at '${full}' for ${label}: ${what}`, {
    path: full,
    key,
    component: where.component,
  });
}
