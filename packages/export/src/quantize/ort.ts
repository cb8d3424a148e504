import { ExportError } from '../errors';

/** The slice of onnxruntime-node's API that calibration and the quality report use. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export interface OrtSession {
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

let loaded: Promise<OrtModule> | undefined;

/** onnxruntime-node, loaded on first use (it is only needed to calibrate and check int8 ONNX models). */
export function loadOrt(): Promise<OrtModule> {
  // A variable specifier: resolved at run time, so this package's types do not depend on it.
  const specifier = 'onnxruntime-node';
  loaded ??= (import(specifier) as Promise<OrtModule & { default?: OrtModule }>).then(
    (m) => (m.InferenceSession ? m : m.default!),
    (err: Error) => {
      loaded = undefined;
      throw new ExportError(`ONNX quantization needs onnxruntime-node (npm install onnxruntime-node@1.16.3): ${err.message}`, { cause: err });
    },
  );
  return loaded;
}

/** An ONNX model with one float input, run batch by batch. */
export class OrtRunner {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    private readonly input: string,
  ) {}

  static async create(model: Uint8Array, input: string): Promise<OrtRunner> {
    const ort = await loadOrt();
    let session: OrtSession;
    try {
      session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all' });
    } catch (err) {
      throw new ExportError(`onnxruntime could not load the quantized model: ${(err as Error).message}`, { cause: err });
    }
    return new OrtRunner(ort, session, input);
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(images: Float32Array, shape: readonly number[]): Promise<Record<string, Float32Array>> {
    const result = await this.session.run({ [this.input]: new this.ort.Tensor('float32', images, shape) });
    return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v.data as Float32Array]));
  }

  async release(): Promise<void> {
    await this.session.release?.();
  }
}
