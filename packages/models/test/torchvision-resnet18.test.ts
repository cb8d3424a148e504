import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '@kiln/weights';
import { ResNet } from '../src/resnet';

// The real torchvision resnet18 (45 MB) is too big to commit: made here when torch is installed.
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'kiln-resnet18-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!hasTorch)('torchvision resnet18 (generated with torch)', () => {
  it('model=resnet stem=imagenet + its state_dict reproduces torchvision eval logits within 1e-3 relative', () => {
    const made = spawnSync(PYTHON, [join(__dirname, '..', 'scripts', 'make_torchvision_fixtures.py'), tmp, '6'], { cwd: join(__dirname, '..'), encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const ref = readSafetensors(readFileSync(join(tmp, 'resnet18.ref.safetensors'))).tensors;
    const input = ref.get('input')!;
    const want = ref.get('logits')!.data as Float32Array;
    const model = new ResNet({ numClasses: 6, inputShape: [64, 64, 3], depth: 18, stem: 'imagenet', pretrained: join(tmp, 'resnet18.pth') });
    const got = tf.tidy(() => (model.net.predict(tf.tensor(input.data as Float32Array, input.shape)) as tf.Tensor).dataSync() as Float32Array);
    const scale = Math.max(...Array.from(want, Math.abs));
    expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i]))) / scale).toBeLessThan(1e-3);
    // torchvision resnet18 at 6 classes has 11,179,590 parameters; Kiln counts the 9,600 BN statistics too
    expect(model.net.countParams()).toBe(11_179_590 + 9_600);
    model.dispose();
  });
});
