// onnxruntime-node 1.16.3 names dist/index.d.ts in package.json but does not ship it; its API is onnxruntime-common's.
declare module 'onnxruntime-node' {
  export * from 'onnxruntime-common';
}
