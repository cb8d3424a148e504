import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, kiln } from './cli';

// torchvision's ResNet-18 code at width/16 with 5 classes (packages/models/scripts/make_torchvision_fixtures.py).
const PTH = resolve(__dirname, '../../../packages/models/src/__fixtures__/torchvision/resnet18_w16.pth');
const MODEL = ['model=resnet', 'model.depth=18', 'model.widthMultiplier=0.0625', 'model.stem=imagenet'];
const TINY = ['data.trainPerClass=8', 'data.valPerClass=4', 'data.testPerClass=2', 'data.batchSize=16'];

describe.skipIf(!existsSync(CLI))('kiln weights import → predict / validate, and model.pretrained in train', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-weights-'));
  const env = { KILN_CACHE_DIR: join(work, 'cache') };

  it('imports a torch.save .pth as a run folder that predict and validate accept (head re-initialised with a WARN)', () => {
    const out = join(work, 'imported');
    const r = kiln(['weights', 'import', PTH, '--out=imported', ...MODEL, ...TINY], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported .*resnet18_w16\.pth into .*imported \(resnet, 6 classes\)/);
    expect(r.stdout + r.stderr).toMatch(/WARN.*the file's head has 5 classes, the model 6: the logits layer is re-initialised/);
    expect(existsSync(join(out, 'checkpoints', 'best.ckpt'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'classes.json'), 'utf8'))).toHaveLength(6);
    expect(readFileSync(join(out, 'config.yaml'), 'utf8')).toMatch(/pretrained: .*resnet18_w16\.pth/);

    const datasets = join(work, 'cache', 'datasets');
    const shapesDir = join(datasets, readdirSync(datasets).find((d) => d.startsWith('shapes'))!);
    const image = join(shapesDir, readFileSync(join(shapesDir, 'test.csv'), 'utf8').trim().split('\n')[1].split(',')[0]);
    const p = kiln(['predict', `--image=${image}`, '--ckpt=imported', '--topk=2'], work, env);
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(p.stdout))).toMatch(/"class"|"label"|"prob/);

    const v = kiln(['validate', '--ckpt=imported'], work, env);
    expect(v.code, v.stderr).toBe(0);
    expect(existsSync(join(out, 'validate', 'val.csv'))).toBe(true);
  });

  it('fine-tunes from model.pretrained in kiln train', () => {
    const r = kiln(['train', ...MODEL, `model.pretrained=${PTH}`, ...TINY, 'trainer.maxEpochs=1'], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(work, 'outputs', 'latest', 'train.log'), 'utf8')).toMatch(/model\.pretrained: 100\/102 weights from .*resnet18_w16\.pth/);
  });

  it('fails with one line naming the file for a bad weights file, and the key for strict mismatches', () => {
    writeFileSync(join(work, 'bad.pth'), 'not a zip');
    const bad = kiln(['weights', 'import', 'bad.pth', '--out=bad', ...MODEL, ...TINY], work, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n').at(-1)).toMatch(/^kiln: model\.pretrained: .*bad\.pth: not a torch\.save zip archive/);
    const cifar = kiln(['weights', 'import', PTH, '--out=cifar', 'model=resnet', 'model.widthMultiplier=0.0625', ...TINY], work, env);
    expect(cifar.code).toBe(2);
    expect(cifar.stderr).toMatch(/size mismatch 1: conv1\.weight: file \[4, 3, 7, 7\] \(conv\) → model stem_conv\/kernel \[3, 3, 3, 4\]/);
    expect(existsSync(join(work, 'cifar', 'checkpoints', 'best.ckpt'))).toBe(false);
  });
});
