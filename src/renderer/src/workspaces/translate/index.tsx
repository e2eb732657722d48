/**
 * Translate: run a trained generator on images.
 * Empty state until the translation view lands here.
 */
export function TranslateWorkspace() {
  return (
    <section className="empty" aria-labelledby="translate-title">
      <h1 id="translate-title">Translate</h1>
      <p>This workspace will run a trained generator (pix2pix or CycleGAN) on your images:</p>
      <ul>
        <li>pick a model from the project, or load weights trained with the PyTorch reference;</li>
        <li>translate one image, a folder, or a large image in tiles, and compare input and output side by side;</li>
        <li>save the results into the project.</li>
      </ul>
      <p>It is not built yet.</p>
    </section>
  );
}
