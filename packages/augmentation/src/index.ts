// Public API of @kiln/augmentation (named exports only).
export {};
