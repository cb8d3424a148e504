import { describe, expect, it } from 'vitest';
import { run } from './export';

describe('kiln export --quantize arguments (checked before any checkpoint is read)', () => {
  it('names the quantizations of the format', async () => {
    await expect(run(['--format=tfjs', '--quantize=int8'])).rejects.toThrow("export: --quantize for tfjs is uint8 or float16 (got 'int8')");
    await expect(run(['--format=onnx', '--quantize=uint8'])).rejects.toThrow("export: --quantize for onnx is int8 or dynamic (got 'uint8')");
  });

  it('rejects a bad --calibration and --calibration-method', async () => {
    await expect(run(['--format=onnx', '--quantize=int8', '--calibration=0'])).rejects.toThrow("export: --calibration must be a positive number of batches (got '0')");
    await expect(run(['--format=onnx', '--quantize=int8', '--calibration-method=kl'])).rejects.toThrow("export: --calibration-method is minmax or percentile (got 'kl')");
  });
});
