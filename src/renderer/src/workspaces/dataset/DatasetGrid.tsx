/**
 * The thumbnail grid. Virtualised: only the rows in view (and one screen around them) are
 * in the DOM, so scrolling stays smooth with tens of thousands of images. Click selects
 * (Ctrl/Cmd adds, Shift extends), double click or Enter opens the label editor, and files
 * or folders dropped here are imported.
 */
import { useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent, type MouseEvent } from 'react';
import type { DatasetItem } from '../../../../shared/api/dataset';
import { useStudio } from '../../shell/context';
import { useStore } from '../../state/store';
import { filterItems, type DatasetController } from './controller';

const CELL_W = 168;
const CELL_H = 200;
const OVERSCAN_ROWS = 3;

export const STATE_LABELS: Record<DatasetItem['state'], string> = {
  unlabelled: 'Unlabelled',
  'in-progress': 'In progress',
  labelled: 'Labelled',
  ready: 'Ready',
  excluded: 'Excluded',
};

/** Files of a drop, folders walked recursively (Chromium's entries API). */
async function droppedFiles(e: DragEvent): Promise<File[]> {
  const items = [...e.dataTransfer.items];
  const entries = items.map((i) => (typeof i.webkitGetAsEntry === 'function' ? i.webkitGetAsEntry() : null));
  if (!entries.some((x) => x?.isDirectory)) return [...e.dataTransfer.files];
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      out.push(await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const child of batch) if (!child.name.startsWith('.')) await walk(child);
      }
    }
  };
  for (const entry of entries) if (entry) await walk(entry);
  return out;
}

export function DatasetGrid({ controller }: { controller: DatasetController }) {
  const { studio } = useStudio();
  const view = useStore(controller.store, (s) => s.view);
  const filter = useStore(controller.store, (s) => s.filter);
  const selection = useStore(controller.store, (s) => s.selection);
  const items = useMemo(() => (view ? filterItems(view.items, filter) : []), [view, filter]);
  const selected = useMemo(() => new Set(selection), [selection]);
  const scroller = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState({ width: 800, height: 600, top: 0 });
  const anchor = useRef<number | null>(null);
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    const el = scroller.current!;
    const measure = () => setBox({ width: el.clientWidth, height: el.clientHeight, top: el.scrollTop });
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    measure();
    return () => ro.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor(box.width / CELL_W));
  const rows = Math.ceil(items.length / columns);
  const first = Math.max(0, Math.floor(box.top / CELL_H) - OVERSCAN_ROWS);
  const last = Math.min(rows - 1, Math.ceil((box.top + box.height) / CELL_H) + OVERSCAN_ROWS);
  const visible: { item: DatasetItem; index: number }[] = [];
  for (let r = first; r <= last; r++) {
    for (let c = 0; c < columns; c++) {
      const index = r * columns + c;
      if (index < items.length) visible.push({ item: items[index]!, index });
    }
  }

  const openable = (item: DatasetItem) => view?.kind === 'paired' && !item.target;
  const open = (item: DatasetItem) => {
    if (openable(item)) controller.open(item.id).catch((e) => studio.reportError(e, `Could not open ${item.name}`));
  };

  function click(e: MouseEvent, index: number) {
    const id = items[index]!.id;
    if (e.shiftKey && anchor.current !== null) {
      const [a, b] = [Math.min(anchor.current, index), Math.max(anchor.current, index)];
      controller.select(items.slice(a, b + 1).map((i) => i.id));
    } else if (e.ctrlKey || e.metaKey) {
      controller.select(selected.has(id) ? selection.filter((s) => s !== id) : [...selection, id]);
      anchor.current = index;
    } else {
      controller.select([id]);
      anchor.current = index;
    }
  }

  function keyDown(e: KeyboardEvent, index: number) {
    const move = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }[e.key];
    if (e.key === 'Enter') {
      e.preventDefault();
      open(items[index]!);
    } else if (move !== undefined && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      const next = Math.min(items.length - 1, Math.max(0, index + move));
      controller.select([items[next]!.id]);
      anchor.current = next;
      const top = Math.floor(next / columns) * CELL_H;
      const el = scroller.current!;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + CELL_H > el.scrollTop + el.clientHeight) el.scrollTop = top + CELL_H - el.clientHeight;
      requestAnimationFrame(() => el.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus());
    }
  }

  async function drop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    const files = await droppedFiles(e);
    if (files.length) await controller.importFiles(files, filter.domain === 'all' ? undefined : filter.domain);
  }

  return (
    <div
      ref={scroller}
      className={`dataset-grid${dragging ? ' dataset-grid--drop' : ''}`}
      onScroll={(e) => setBox((b) => ({ ...b, top: e.currentTarget.scrollTop }))}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => void drop(e)}
      role="listbox"
      aria-label="Images"
      aria-multiselectable="true"
    >
      {items.length === 0 && (
        <p className="dataset-grid__empty muted">
          {view?.items.length ? 'No image matches the filters.' : 'No images yet: add photos, drop files or a folder here, or import a dataset folder.'}
        </p>
      )}
      <div className="dataset-grid__space" style={{ height: rows * CELL_H }}>
        {visible.map(({ item, index }) => (
          <div
            key={item.id}
            data-index={index}
            data-id={item.id}
            role="option"
            aria-selected={selected.has(item.id)}
            aria-setsize={items.length}
            aria-posinset={index + 1}
            aria-label={`${item.name}, ${STATE_LABELS[item.state]}, ${item.split}`}
            tabIndex={selected.has(item.id) || (selection.length === 0 && index === 0) ? 0 : -1}
            className={`thumb thumb--${item.state}${selected.has(item.id) ? ' thumb--selected' : ''}`}
            style={{ left: (index % columns) * CELL_W, top: Math.floor(index / columns) * CELL_H, width: CELL_W - 8, height: CELL_H - 8 }}
            onClick={(e) => click(e, index)}
            onDoubleClick={() => open(item)}
            onKeyDown={(e) => keyDown(e, index)}
          >
            <img src={studio.api.projectFileUrl(item.thumb)} alt="" loading="lazy" decoding="async" draggable={false} />
            <span className="thumb__name" title={item.name}>
              {item.name}
            </span>
            <span className="thumb__meta">
              <span className={`badge badge--${item.state}`}>{STATE_LABELS[item.state]}</span>
              <span className="badge">{item.split}</span>
              {view?.kind === 'unpaired' && <span className="badge">{view.domainNames[item.domain]}</span>}
            </span>
          </div>
        ))}
      </div>
    </div>
  );
}
