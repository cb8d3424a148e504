// Public API of @kiln/losses (named exports only).
export {};
