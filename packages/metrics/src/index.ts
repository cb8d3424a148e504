// Public API of @kiln/metrics (named exports only).
export {};
