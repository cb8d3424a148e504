// Public API of @kiln/processors (named exports only).
export {};
