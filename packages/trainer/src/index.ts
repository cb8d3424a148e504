// Public API of @kiln/trainer (named exports only).
export {};
