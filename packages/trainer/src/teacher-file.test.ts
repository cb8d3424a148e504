import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWeightsMap, ResNet } from '@kiln/models';
import { encodeSafetensors, type TensorMap } from '@kiln/weights';
import { Teacher } from './teacher';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-teacher-file-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = (seed: number, numClasses = 3) => new ResNet({ numClasses, inputShape: [16, 16, 3], widthMultiplier: 1 / 16, seed });

/** A model's weights as a Kiln-named safetensors file. */
function saveWeights(model: ResNet, name: string): string {
  const map: TensorMap = new Map([...getWeightsMap(model.net)].map(([k, data]) => [k, { shape: model.net.weights.find((w) => w.originalName === k)!.shape as number[], dtype: 'F32' as const, data }]));
  const file = join(tmp, name);
  writeFileSync(file, encodeSafetensors(map));
  return file;
}

describe('loss.teacher: a weights file', () => {
  it("is the student's architecture with the file's weights (frozen, eval mode)", async () => {
    const student = tiny(1);
    const source = tiny(2);
    const teacher = await Teacher.create(saveWeights(source, 'teacher.safetensors'), student.net, { bestPath: () => undefined });
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const want = (source.net.predict(x) as tf.Tensor).dataSync();
    const got = teacher.logits(x)!.dataSync();
    Array.from(got).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(Array.from(got)).not.toEqual(Array.from((student.net.predict(x) as tf.Tensor).dataSync()));
    teacher.dispose();
  });

  it('refuses a file whose head has another class count, naming loss.teacher and the key', async () => {
    const student = tiny(1);
    const file = saveWeights(tiny(2, 5), 'five.safetensors');
    await expect(Teacher.create(file, student.net, { bestPath: () => undefined })).rejects.toThrow(/loss\.teacher: .*five\.safetensors does not fit .*size mismatch 2: logits\/kernel: file \[32, 5\]/);
  });
});
