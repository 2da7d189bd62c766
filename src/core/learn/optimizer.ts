/** Parameter updates: plain SGD or Adam, with L2 on the groups that ask for it and masks that pin pruned weights at zero. */

export type Optimizer = "adam" | "sgd";
export const OPTIMIZERS: readonly Optimizer[] = ["adam", "sgd"];

export interface ParameterGroup {
  values: Float64Array;
  grad: Float64Array;
  /** Coefficient of (l2 / 2) * ||values||^2 in the loss. */
  l2: number;
  /** 1 where a value may change, 0 where it is pruned for good. */
  mask?: Uint8Array;
}

/** One update of every group per call, with step size `lr`. Masked values are skipped, so they stay exactly zero. */
export function makeStepper(groups: ParameterGroup[], optimizer: Optimizer): (lr: number) => void {
  if (optimizer === "sgd") {
    return (lr) => {
      for (const { values, grad, l2, mask } of groups) {
        for (let i = 0; i < values.length; i++) {
          if (mask && mask[i] === 0) continue;
          values[i] -= lr * (grad[i] + l2 * values[i]);
        }
      }
    };
  }
  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-8;
  const moments = groups.map(({ values }) => ({
    m: new Float64Array(values.length),
    v: new Float64Array(values.length),
  }));
  let t = 0;
  return (lr) => {
    t++;
    const correction1 = 1 - beta1 ** t;
    const correction2 = 1 - beta2 ** t;
    groups.forEach(({ values, grad, l2, mask }, index) => {
      const { m, v } = moments[index];
      for (let i = 0; i < values.length; i++) {
        if (mask && mask[i] === 0) continue;
        const g = grad[i] + l2 * values[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        values[i] -= (lr * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
      }
    });
  };
}
