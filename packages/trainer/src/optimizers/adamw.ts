import { z, type ComponentContext } from '@kiln/core';
import { Adam, adamOptionsShape } from './adam';

const optionsSchema = z.object({ ...adamOptionsShape, weightDecay: z.number().min(0).default(0.01) }).strict();
export type AdamWOptions = z.input<typeof optionsSchema>;

/** AdamW (PyTorch semantics): decoupled weight decay `p *= 1 - lr·wd` before the Adam update. */
export class AdamW extends Adam {
  static override readonly type: string = 'adamw';
  static override readonly optionsSchema: z.ZodType = optionsSchema;
  static override readonly description: string = 'Adam with decoupled weight decay (PyTorch semantics)';
  protected override readonly decoupled = true;

  constructor(options: AdamWOptions = {}, context: ComponentContext = {}) {
    super(optionsSchema.parse(options), context);
  }
}
