/**
 * Work that must not be recorded on an enclosing gradient tape.
 *
 * pix2pix updates D in the middle of G's gradient computation (models/pix2pix.ts): D's
 * forward and backward passes and its Adam step run while G's tape records. Nothing they
 * compute is differentiated by that tape (D's new weights are written into its variables,
 * D's loss is only read), yet TF.js keeps every tensor their ops save for a backward pass
 * until the enclosing gradient is done: about a dozen copies of D's parameters from Adam
 * alone, and D's activations twice over.
 */
import * as tf from '../tf';

/**
 * Runs `f` with the ops it records kept off the tape of an enclosing tf.grads /
 * tf.variableGrads, and releases what they saved when it returns. What `f` returns is a
 * constant to the enclosing gradient. A gradient computed inside `f` works as usual (its tape
 * is `f`'s own). Outside any gradient computation `f` just runs.
 */
export function untaped<T>(f: () => T): T {
  const state = tf.engine().state;
  if (state.gradientDepth === 0) return f();
  const enclosing = state.activeTape;
  state.activeTape = [];
  try {
    return f();
  } finally {
    // The enclosing tape only frees what its own nodes saved; these nodes never reach it.
    for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
    state.activeTape = enclosing;
  }
}
