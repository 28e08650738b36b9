import type { Tf } from '../runtime/tensorflow.js';
import { shuffle } from './random.js';

type Variable = import('@tensorflow/tfjs').Variable;
type Scalar = import('@tensorflow/tfjs').Scalar;
type Tensor = import('@tensorflow/tfjs').Tensor;

export interface EpochReport {
  epoch: number;
  epochs: number;
  /** Mean training loss of the epoch. */
  loss: number;
}

/**
 * Minimises `loss(batchIndices)` over `variables` with Adam in shuffled mini-batches,
 * for `epochs` epochs or until `converged` reports true.
 * `loss` builds its tensors inside the tape; everything it creates is disposed per step.
 */
export async function minimise(
  tf: Tf,
  options: {
    variables: Variable[];
    sampleCount: number;
    epochs: number;
    batchSize: number;
    learningRate: number;
    random: () => number;
    loss: (batch: Tensor) => Scalar;
    onEpoch: (report: EpochReport) => void;
    /** Checked before every epoch; training ends early when it returns true. */
    converged?: () => Promise<boolean>;
  },
): Promise<void> {
  const optimizer = tf.train.adam(options.learningRate);
  const order = Array.from({ length: options.sampleCount }, (_, i) => i);

  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      if (options.converged && (await options.converged())) {
        options.onEpoch({ epoch: options.epochs, epochs: options.epochs, loss: Number.NaN });
        return;
      }
      shuffle(order, options.random);
      let total = 0;

      for (let start = 0; start < order.length; start += options.batchSize) {
        const indices = tf.tensor1d(order.slice(start, start + options.batchSize), 'int32');
        const cost = optimizer.minimize(() => options.loss(indices), true, options.variables);
        total += (await cost!.data())[0] * Math.min(options.batchSize, order.length - start);
        cost!.dispose();
        indices.dispose();
      }

      options.onEpoch({ epoch, epochs: options.epochs, loss: total / order.length });
      // Yield so progress messages leave the worker while it trains.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
  }
}
