// Public API of @kiln/data (named exports only).
export {};
