// Public API of @kiln/callbacks (named exports only).
export {};
