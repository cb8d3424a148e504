// Public API of @kiln/engine (named exports only).
export {};
