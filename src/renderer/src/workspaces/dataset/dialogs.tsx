/** Dialogs of the dataset view: import a folder, split, export, large images, settings. */
import { useState } from 'react';
import type { Domain, ImportLayout } from '../../../../shared/api/dataset';
import { splitCounts } from '../../../../shared/dataset-split';
import { useStudio } from '../../shell/context';
import { Dialog } from '../../shell/Dialog';
import { useStore } from '../../state/store';
import type { DatasetController } from './controller';

/** A folder path: typed, or picked with the native dialog where there is one. */
function FolderField({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  const { studio } = useStudio();
  const electron = studio.api.platform === 'electron';
  return (
    <label className="field">
      <span className="field__label">{label}</span>
      <span className="field__row">
        <input className="input" value={value} onChange={(e) => onChange(e.target.value)} placeholder="/path/to/folder" spellCheck={false} data-autofocus />
        {electron && (
          <button
            type="button"
            className="button"
            onClick={async () => {
              const p = await studio.pickDirectory(label).catch(() => null);
              if (p) onChange(p);
            }}
          >
            Browse…
          </button>
        )}
      </span>
    </label>
  );
}

export function ImportFolderDialog({ controller, onClose }: { controller: DatasetController; onClose: () => void }) {
  const view = useStore(controller.store, (s) => s.view);
  const [dir, setDir] = useState('');
  const [layout, setLayout] = useState<ImportLayout>('auto');
  const [labelSide, setLabelSide] = useState<'auto' | 'A' | 'B' | 'none'>('auto');
  const [domain, setDomain] = useState<Domain>('A');
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title="Import a folder" onClose={onClose}>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!dir.trim()) return;
          setBusy(true);
          const r = await controller.importFolder(dir.trim(), layout, labelSide, view?.kind === 'unpaired' ? domain : undefined);
          setBusy(false);
          if (r) onClose();
        }}
      >
        <FolderField label="Folder" value={dir} onChange={setDir} />
        <label className="field">
          <span className="field__label">Layout</span>
          <select className="input" value={layout} onChange={(e) => setLayout(e.target.value as ImportLayout)}>
            <option value="auto">Detect from the folders</option>
            <option value="images">Photos (every image below the folder)</option>
            <option value="aligned">Aligned pairs: train/, val/, test/ with A|B images</option>
            <option value="ab-folders">A/ and B/ folders paired by file name</option>
            <option value="unaligned">Unpaired: trainA/, trainB/, testA/, testB/</option>
          </select>
        </label>
        <label className="field">
          <span className="field__label">Label maps in pairs</span>
          <select className="input" value={labelSide} onChange={(e) => setLabelSide(e.target.value as typeof labelSide)}>
            <option value="auto">Detect (the side that matches the palette)</option>
            <option value="B">B (right half / B folder)</option>
            <option value="A">A (left half / A folder)</option>
            <option value="none">None: both sides are images</option>
          </select>
        </label>
        {view?.kind === 'unpaired' && (
          <label className="field">
            <span className="field__label">Photos go to</span>
            <select className="input" value={domain} onChange={(e) => setDomain(e.target.value as Domain)}>
              <option value="A">{view.domainNames.A}</option>
              <option value="B">{view.domainNames.B}</option>
            </select>
          </label>
        )}
        <div className="dialog__buttons">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy || !dir.trim()}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function SplitDialog({ controller, onClose }: { controller: DatasetController; onClose: () => void }) {
  const view = useStore(controller.store, (s) => s.view)!;
  const [seed, setSeed] = useState(view.split.seed);
  const [ratios, setRatios] = useState({
    train: Math.round(view.split.ratios.train * 100),
    val: Math.round(view.split.ratios.val * 100),
    test: Math.round(view.split.ratios.test * 100),
  });
  const [keepLocked, setKeepLocked] = useState(true);
  const free = view.items.filter((i) => !(keepLocked && i.splitLocked));
  const total = ratios.train + ratios.val + ratios.test;
  const counts = total > 0 ? splitCounts(free.length, ratios) : null;
  return (
    <Dialog title="Split the dataset" onClose={onClose}>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!counts) return;
          await controller.resplit({ seed, ratios: { train: ratios.train / 100, val: ratios.val / 100, test: ratios.test / 100 }, keepLocked });
          onClose();
        }}
      >
        <div className="field__row">
          {(['train', 'val', 'test'] as const).map((k) => (
            <label className="field" key={k}>
              <span className="field__label">{k} %</span>
              <input
                className="input input--narrow"
                type="number"
                min={0}
                max={100}
                value={ratios[k]}
                onChange={(e) => setRatios((r) => ({ ...r, [k]: Math.max(0, Number(e.target.value) || 0) }))}
              />
            </label>
          ))}
          <label className="field">
            <span className="field__label">Seed</span>
            <input className="input input--narrow" type="number" value={seed} onChange={(e) => setSeed(Math.trunc(Number(e.target.value) || 0))} />
          </label>
        </div>
        <label className="field field--inline">
          <input type="checkbox" checked={keepLocked} onChange={(e) => setKeepLocked(e.target.checked)} />
          <span>Keep the images I placed by hand ({view.items.length - view.items.filter((i) => !i.splitLocked).length})</span>
        </label>
        <p className="field__hint" aria-live="polite">
          {counts ? `${free.length} images: ${counts.train} train, ${counts.val} val, ${counts.test} test. The same seed always gives the same split.` : 'The ratios must not all be zero.'}
        </p>
        <div className="dialog__buttons">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={!counts}>
            Split
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ExportDialog({ controller, onClose }: { controller: DatasetController; onClose: () => void }) {
  const view = useStore(controller.store, (s) => s.view)!;
  const paired = view.kind === 'paired';
  const [dir, setDir] = useState('');
  const [format, setFormat] = useState<'aligned' | 'ab-folders' | 'unaligned'>(paired ? 'aligned' : 'unaligned');
  const [imageFormat, setImageFormat] = useState<'png' | 'jpg'>('png');
  const [overwrite, setOverwrite] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title="Export the dataset" onClose={onClose}>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          const r = await controller.exportDataset({ dir: dir.trim(), format, imageFormat, overwrite });
          setBusy(false);
          if (r) {
            const written = Object.entries(r.counts)
              .map(([k, n]) => `${k}: ${n}`)
              .join(', ');
            setResult(`Wrote ${written || 'nothing'} to ${r.dir}.${r.skipped.length ? ` Left out ${r.skipped.length} (${r.skipped[0]!.reason}${r.skipped.length > 1 ? ', …' : ''}).` : ''}`);
          }
        }}
      >
        <FolderField label="Export folder" value={dir} onChange={setDir} />
        <label className="field">
          <span className="field__label">Layout</span>
          <select className="input" value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
            {paired && <option value="aligned">Aligned A|B images in train/, val/, test/ (pix2pix)</option>}
            {paired && <option value="ab-folders">train/A, train/B, … paired by file name</option>}
            <option value="unaligned">trainA/, trainB/, testA/, testB/ (CycleGAN)</option>
          </select>
        </label>
        <label className="field">
          <span className="field__label">Image format</span>
          <select className="input" value={imageFormat} onChange={(e) => setImageFormat(e.target.value as 'png' | 'jpg')}>
            <option value="png">PNG (lossless: label colours stay exact)</option>
            <option value="jpg">JPEG (smaller; label colours blur at edges)</option>
          </select>
        </label>
        <label className="field field--inline">
          <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />
          <span>Write into a folder that is not empty</span>
        </label>
        {result && (
          <p className="field__hint" role="status">
            {result}
          </p>
        )}
        <div className="dialog__buttons">
          <button type="button" className="button" onClick={onClose}>
            {result ? 'Close' : 'Cancel'}
          </button>
          <button type="submit" className="button button--primary" disabled={busy || !dir.trim()}>
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function LargeImagesDialog({ controller }: { controller: DatasetController }) {
  const pending = useStore(controller.store, (s) => s.pendingLarge);
  if (!pending) return null;
  return (
    <Dialog title="Very large images" onClose={() => controller.dismissLarge()}>
      <p>
        {pending.sources.length} image{pending.sources.length > 1 ? 's are' : ' is'} over 50 megapixels and {pending.sources.length > 1 ? 'were' : 'was'} not imported:
      </p>
      <ul className="details">
        {pending.sources.slice(0, 8).map((s) => (
          <li key={s.source}>
            {s.source} ({s.width}×{s.height}, {((s.width * s.height) / 1e6).toFixed(0)} MP)
          </li>
        ))}
      </ul>
      <p>Atelier can import a copy downscaled to 50 megapixels; the original file is not changed.</p>
      <div className="dialog__buttons">
        <button type="button" className="button" onClick={() => controller.dismissLarge()}>
          Skip them
        </button>
        <button type="button" className="button button--primary" onClick={() => void controller.acceptLarge()} data-autofocus>
          Downscale and import
        </button>
      </div>
    </Dialog>
  );
}

export function SettingsDialog({ controller, onClose }: { controller: DatasetController; onClose: () => void }) {
  const view = useStore(controller.store, (s) => s.view)!;
  const palettes = useStore(controller.store, (s) => s.palettes);
  const [kind, setKind] = useState(view.kind);
  const [paletteId, setPaletteId] = useState(view.paletteId);
  const [names, setNames] = useState(view.domainNames);
  const empty = view.items.length === 0;
  const hasLabels = view.items.some((i) => i.label);
  return (
    <Dialog title="Dataset settings" onClose={onClose}>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          await controller.configure({
            kind: kind !== view.kind ? kind : undefined,
            paletteId: paletteId !== view.paletteId ? paletteId : undefined,
            domainNames: names.A.trim() && names.B.trim() ? { A: names.A.trim(), B: names.B.trim() } : undefined,
          });
          onClose();
        }}
      >
        <label className="field">
          <span className="field__label">Kind</span>
          <select className="input" value={kind} disabled={!empty} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="paired">Paired: photos and their label maps (pix2pix)</option>
            <option value="unpaired">Unpaired: two domains (CycleGAN)</option>
          </select>
          {!empty && <span className="field__hint">The kind is fixed once the dataset holds images.</span>}
        </label>
        <label className="field">
          <span className="field__label">Palette</span>
          <select className="input" value={paletteId} disabled={hasLabels} onChange={(e) => setPaletteId(e.target.value)}>
            {[...palettes.builtin, ...palettes.custom].map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <div className="field__row">
          {(['A', 'B'] as const).map((d) => (
            <label className="field" key={d}>
              <span className="field__label">Name of domain {d}</span>
              <input className="input" value={names[d]} maxLength={80} onChange={(e) => setNames((n) => ({ ...n, [d]: e.target.value }))} />
            </label>
          ))}
        </div>
        <div className="dialog__buttons">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary">
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
