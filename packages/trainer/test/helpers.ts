import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Callback, type TrainerView } from '@kiln/contracts';

const created: string[] = [];

/** A fresh temp folder, removed by `removeTempDirs()` (call it in `afterAll`). */
export function tempDir(prefix = 'kiln-trainer-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Minimal stand-in for @kiln/callbacks' ModelCheckpoint: last.ckpt after every validation. */
export class SaveLast extends Callback {
  saved = 0;
  override async onValidationEnd(t: TrainerView): Promise<void> {
    if (!t.runDir) return;
    await t.saveCheckpoint(join(t.runDir, 'checkpoints', 'last.ckpt'));
    this.saved++;
  }
  override stateDict(): Record<string, unknown> {
    return { saved: this.saved };
  }
  override loadStateDict(state: Record<string, unknown>): void {
    this.saved = Number(state.saved);
  }
}

export function weightsOf(net: tf.LayersModel): number[][] {
  return net.getWeights().map((w) => Array.from(w.dataSync()));
}

export function expectSameWeights(a: number[][], b: number[][], tol = 1e-6): void {
  if (a.length !== b.length) throw new Error(`weight count ${a.length} vs ${b.length}`);
  a.forEach((w, i) =>
    w.forEach((v, j) => {
      if (Math.abs(v - b[i][j]) > tol) throw new Error(`weight ${i}[${j}]: ${v} vs ${b[i][j]}`);
    }),
  );
}
