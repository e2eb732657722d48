/**
 * Train: configure and follow training runs.
 * Empty state until the training dashboard lands here.
 */
export function TrainWorkspace() {
  return (
    <section className="empty" aria-labelledby="train-title">
      <h1 id="train-title">Train</h1>
      <p>This workspace will train pix2pix and CycleGAN models on the project's datasets:</p>
      <ul>
        <li>choose the model, generator and discriminator architectures and their options, with the reference's defaults;</li>
        <li>start and stop a run, and follow its losses and preview images as it trains;</li>
        <li>keep checkpoints, ready for the Translate workspace.</li>
      </ul>
      <p>It is not built yet.</p>
    </section>
  );
}
