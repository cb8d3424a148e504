/**
 * Plain-number PyTorch (torch.optim 1.13) update rules, element-wise, used by the optimizer
 * tests to check both the standard-op path and the fused-kernel path (test helper).
 */
export interface RefState {
  p: number[];
  slots: Record<string, number[]>;
  step: number;
}

const zeros = (n: number) => new Array<number>(n).fill(0);

export function adamRef(s: RefState, g: number[], o: { lr: number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean }): void {
  s.step++;
  const m = (s.slots.exp_avg ??= zeros(g.length));
  const v = (s.slots.exp_avg_sq ??= zeros(g.length));
  const bc1 = 1 - o.b1 ** s.step;
  const bc2 = 1 - o.b2 ** s.step;
  s.p = s.p.map((p, i) => {
    let gi = g[i];
    if (o.decoupled) p *= 1 - o.lr * o.wd;
    else gi += o.wd * p;
    m[i] = o.b1 * m[i] + (1 - o.b1) * gi;
    v[i] = o.b2 * v[i] + (1 - o.b2) * gi * gi;
    return p - (o.lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + o.eps));
  });
}

export function sgdRef(s: RefState, g: number[], o: { lr: number; momentum: number; dampening: number; nesterov: boolean; wd: number }): void {
  s.step++;
  const fresh = !s.slots.momentum_buffer;
  const buf = (s.slots.momentum_buffer ??= zeros(g.length));
  s.p = s.p.map((p, i) => {
    let d = g[i] + o.wd * p;
    if (o.momentum > 0) {
      buf[i] = fresh ? d : o.momentum * buf[i] + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * buf[i] : buf[i];
    }
    return p - o.lr * d;
  });
  if (o.momentum === 0) delete s.slots.momentum_buffer;
}

export function rmspropRef(
  s: RefState,
  g: number[],
  o: { lr: number; alpha: number; eps: number; momentum: number; centered: boolean; wd: number },
): void {
  s.step++;
  const sq = (s.slots.square_avg ??= zeros(g.length));
  const buf = o.momentum > 0 ? (s.slots.momentum_buffer ??= zeros(g.length)) : [];
  const ga = o.centered ? (s.slots.grad_avg ??= zeros(g.length)) : [];
  s.p = s.p.map((p, i) => {
    const gi = g[i] + o.wd * p;
    sq[i] = o.alpha * sq[i] + (1 - o.alpha) * gi * gi;
    let avg: number;
    if (o.centered) {
      ga[i] = o.alpha * ga[i] + (1 - o.alpha) * gi;
      avg = Math.sqrt(sq[i] - ga[i] * ga[i]) + o.eps;
    } else avg = Math.sqrt(sq[i]) + o.eps;
    if (o.momentum > 0) {
      buf[i] = o.momentum * buf[i] + gi / avg;
      return p - o.lr * buf[i];
    }
    return p - (o.lr * gi) / avg;
  });
}
