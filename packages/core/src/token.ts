/**
 * A typed key of a run-level service in the run container. Other packages declare their own
 * with `token<T>(name)`; tsyringe itself never leaves `@kiln/core`.
 */
export interface Token<T> {
  readonly id: symbol;
  readonly name: string;
  /** Phantom: carries `T` for `RunContainer.get`. */
  readonly __type?: T;
}

export function token<T>(name: string): Token<T> {
  return { id: Symbol.for(`kiln.${name}`), name };
}
