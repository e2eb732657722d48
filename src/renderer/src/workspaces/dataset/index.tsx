/**
 * Dataset & Label: browse the project's image sets and paint label maps.
 * Empty state until the dataset browser and the label editor land here.
 */
export function DatasetWorkspace() {
  return (
    <section className="empty" aria-labelledby="dataset-title">
      <h1 id="dataset-title">Dataset & Label</h1>
      <p>This workspace will show the images of the open project and let you prepare them for training:</p>
      <ul>
        <li>aligned pairs for pix2pix (A and B side by side) and unpaired sets for CycleGAN (trainA, trainB);</li>
        <li>label maps painted over images with brush, eraser, fill and polygon tools, with undo;</li>
        <li>checks that catch mismatched sizes, unreadable files and grayscale images before training starts.</li>
      </ul>
      <p>It is not built yet.</p>
    </section>
  );
}
