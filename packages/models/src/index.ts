// Public API of @kiln/models (named exports only).
export {};
