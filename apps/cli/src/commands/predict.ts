import { Logger, UsageError } from '@kiln/core';
import { optionInt, optionList, parseOrHelp, type CommandSpec } from '../args';
import { expandImageInputs, topK } from '@kiln/evaluate';
import { openPredictor, QUANTIZE_FLAGS, QUANTIZE_OPTIONS } from '../open-predictor';

export const spec: CommandSpec = {
  name: 'predict',
  summary: 'top-k classes with probabilities for images, as JSON',
  usage: 'kiln predict IMAGE… | --image=PATH [--image=PATH2 …] [--topk=5] [--ckpt=RUN_DIR|FILE] [--gpus=0] [--quantize=int8]',
  valueOptions: {
    image: 'image file, folder or glob (repeatable)',
    topk: 'classes per image (default 5, at most the class count)',
    ckpt: 'checkpoint file or run folder (default: best checkpoint of outputs/latest)',
    import: 'module exporting register(registries) to load, e.g. custom layers (repeatable)',
    gpus: 'GPU id to run on',
    ...QUANTIZE_OPTIONS,
  },
  flags: { 'trust-imports': "import the modules in the run's config.yaml `imports:` (runs that code)", ...QUANTIZE_FLAGS },
  repeatable: ['image', 'import'],
  // bare words are images, as `--image` (the spec's "predict with an image path")
  positionals: true,
};

export async function run(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  const images = [...args.positionals, ...optionList(args, 'image')];
  if (!images.length) throw new UsageError('predict: an image is required (kiln predict IMAGE or --image=PATH)');
  const topk = optionInt(args, 'topk') ?? 5;
  const files = expandImageInputs(images);
  // Logs go to stderr so stdout is pure JSON.
  const logger = new Logger({
    level: args.flags.has('debug') ? 'DEBUG' : 'WARN',
    sinks: [{ write: (_r, line) => process.stderr.write(line + '\n') }],
  });
  const predictor = await openPredictor(args, logger, 'predict');
  const [h, w, c] = predictor.processor.outputShape;
  const k = predictor.classes.length;
  const results: Array<Record<string, unknown>> = [];
  let failures = 0;
  for (const file of files) {
    try {
      const pixels = await predictor.processor.process(file);
      const probs = predictor.predict(pixels, [1, h, w, c]);
      results.push({
        image: file,
        top: topK(probs, 0, k, topk).map((j) => ({ class: predictor.classes[j], probability: Math.round(probs[j] * 1e6) / 1e6 })),
      });
    } catch (err) {
      failures++;
      results.push({ image: file, error: (err as Error).message });
    }
  }
  process.stdout.write(JSON.stringify({ checkpoint: predictor.checkpoint, predictions: results }, null, 2) + '\n');
  predictor.dispose();
  return failures ? 1 : 0;
}
