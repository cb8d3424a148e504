import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../src';
import { kilnProbabilities, makePng, makeRun, serve } from './fixtures';
import { maxAbsDiff } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
const MODELS = ['simple_cnn', 'mobilenet_v2', 'vit_tiny'];
/** Weight-quantized exports (tfjs dequantizes on load): probabilities within a looser bound, same top class. */
const QUANTIZED = [
  { type: 'simple_cnn', mode: 'uint8', tolerance: 0.05 },
  { type: 'vit_tiny', mode: 'float16', tolerance: 2e-3 },
] as const;
const TFJS_DIST = join(dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist');

/**
 * What any TensorFlow.js web app does with the export: kiln.json for the input size and
 * normalisation, tf.loadLayersModel for the model, a canvas for the pixels.
 */
const PAGE = `<!doctype html><html><body><script src="/tfjs/tf.min.js"></script><script>
async function classify(modelUrl, imageUrl) {
  await tf.setBackend('cpu');
  const kiln = await (await fetch(modelUrl + 'kiln.json')).json();
  const model = await tf.loadLayersModel(modelUrl + 'model.json');
  const img = new Image();
  img.src = imageUrl;
  await img.decode();
  const { height: h, width: w, channels: c } = kiln.input;
  const canvas = document.createElement('canvas');
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const { scale, mean, std } = kiln.preprocessing;
  const x = new Float32Array(h * w * c);
  for (let i = 0; i < h * w; i++) {
    const r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
    const px = c === 1 ? [Math.round(0.299 * r + 0.587 * g + 0.114 * b)] : [r, g, b];
    for (let k = 0; k < c; k++) x[i * c + k] = (px[k] * scale - mean[k]) / std[k];
  }
  const probs = Array.from(model.predict(tf.tensor4d(x, [1, h, w, c])).dataSync());
  const best = probs.indexOf(Math.max(...probs));
  return { probs, label: kiln.classes[best], backend: tf.getBackend() };
}
</script></body></html>`;

const HAVE_CHROMIUM = existsSync(CHROMIUM);

describe(`tfjs export in headless Chromium (${CHROMIUM})`, () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-export-browser-'));
  const image = join(root, 'image.png');
  beforeAll(() => makePng(image));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const skipped = HAVE_CHROMIUM ? '' : ` [skipped: ${CHROMIUM} is not installed; apt-get install -y chromium]`;
  it.skipIf(!HAVE_CHROMIUM)(`a page on localhost classifies an image with kiln predict's probabilities (within 1e-4) for ${MODELS.join(', ')}, and with uint8/float16 weights${skipped}`, async () => {
    const routes: Record<string, string> = { '/tfjs/': TFJS_DIST, '/img/': root };
    const expected: Record<string, Float32Array> = {};
    for (const type of MODELS) {
      const result = await exportModel({ ckpt: await makeRun(root, type), format: 'tfjs', out: join(root, `${type}-web`) });
      routes[`/${type}/`] = result.dir;
      expected[type] = await kilnProbabilities(result.checkpoint, image);
    }
    for (const { type, mode } of QUANTIZED) {
      const result = await exportModel({ ckpt: join(root, type), format: 'tfjs', out: join(root, `${type}-${mode}`), quantize: { mode } });
      routes[`/${type}-${mode}/`] = result.dir;
    }
    const server = await serve(routes, { '/': PAGE });
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'kiln-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/`);
      for (const type of MODELS) {
        const got = await page.evaluate(([m, i]) => (globalThis as any).classify(m, i), [`/${type}/`, '/img/image.png'] as const);
        expect(got.backend).toBe('cpu');
        expect(got.probs).toHaveLength(10);
        const diff = maxAbsDiff(got.probs, expected[type]);
        expect(diff, `${type}: browser vs Kiln`).toBeLessThan(1e-4);
        const best = expected[type].indexOf(Math.max(...expected[type]));
        expect(got.label).toBe(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'][best]);
      }
      for (const { type, mode, tolerance } of QUANTIZED) {
        const got = await page.evaluate(([m, i]) => (globalThis as any).classify(m, i), [`/${type}-${mode}/`, '/img/image.png'] as const);
        expect(maxAbsDiff(got.probs, expected[type]), `${type} ${mode}: browser vs Kiln fp32`).toBeLessThan(tolerance);
        const best = expected[type].indexOf(Math.max(...expected[type]));
        expect(got.label, `${type} ${mode}`).toBe(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'][best]);
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 180_000);
});
