/**
 * The label editor's canvas: the photo, the label map over it (or beside it), and what the
 * active tool previews. Konva draws three layers; the photo layer only redraws when the
 * view moves, and during a stroke only the overlay and preview layers redraw, once per
 * animation frame, after the overlay canvas was re-coloured in its dirty tiles. Images are
 * drawn without smoothing, so zoomed-in pixels stay square and classes stay exact.
 */
import type Konva from 'konva';
import { useEffect, useMemo, useRef } from 'react';
import { Circle, Image as KImage, Layer, Line, Rect, Stage } from 'react-konva';
import { attachPaneInput, brushOutlineAt, drawPerFrame, paneCursor, useEditor, usePaneSize, useToolView } from '../../canvas/editor-pane';
import type { LabelEditor } from '../../canvas/label-editor';
import { OverlaySurface } from '../../canvas/overlay-surface';
import type { Point } from '../../canvas/raster';
import type { DisplayOptions } from './controller';

export { useEditor };

/** Per-frame main-thread work (input handling + drawing), as User Timing entries. */
export const FRAME_MEASURE = 'atelier:label-frame';

interface PaneProps {
  editor: LabelEditor;
  photo: HTMLImageElement | null;
  surface: OverlaySurface;
  showPhoto: boolean;
  showLabels: boolean;
  opacity: number;
  label: string;
  panes: Set<PaneHandle>;
  requestDraw: () => void;
  timed: (fn: () => void) => void;
}

interface PaneHandle {
  overlay: Konva.Layer | null;
  preview: Konva.Layer | null;
}

export function LabelCanvas({ editor, photo, display }: { editor: LabelEditor; photo: HTMLImageElement | null; display: DisplayOptions }) {
  const surface = useMemo(() => new OverlaySurface(editor.map, editor.palette), [editor]);
  const palette = useEditor(editor, (e) => e.palette);
  useEffect(() => surface.setPalette(palette), [surface, palette]);

  const panes = useRef(new Set<PaneHandle>());
  const inputMs = useRef(0);
  const drawRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    const frames = drawPerFrame(editor, () => {
      const t0 = performance.now();
      surface.update();
      for (const p of panes.current) {
        p.overlay?.draw();
        p.preview?.draw();
      }
      const t1 = performance.now();
      const work = inputMs.current + (t1 - t0);
      inputMs.current = 0;
      try {
        performance.measure(FRAME_MEASURE, { start: t0, duration: work, detail: { drawing: editor.tool.state !== 'idle' } });
        if (performance.getEntriesByName(FRAME_MEASURE).length > 20000) performance.clearMeasures(FRAME_MEASURE);
      } catch {
        /* User Timing is a diagnostic; never let it break drawing */
      }
    });
    drawRef.current = frames.request;
    return frames.stop;
  }, [editor, surface]);

  const timed = useMemo(
    () => (fn: () => void) => {
      const t = performance.now();
      fn();
      inputMs.current += performance.now() - t;
    },
    [],
  );
  const requestDraw = useMemo(() => () => drawRef.current(), []);

  const side = display.layout === 'side-by-side';
  const common = { editor, photo, surface, panes: panes.current, requestDraw, timed };
  return (
    <div className={`label-canvas${side ? ' label-canvas--split' : ''}`}>
      {side ? (
        <>
          <PaneView {...common} label="Photo" showPhoto showLabels={false} opacity={1} />
          <PaneView {...common} label="Label map" showPhoto={false} showLabels opacity={1} />
        </>
      ) : (
        <PaneView {...common} label="Label map over the photo" showPhoto showLabels={display.overlay} opacity={display.opacity} />
      )}
    </div>
  );
}

function PaneView({ editor, photo, surface, showPhoto, showLabels, opacity, label, panes, requestDraw, timed }: PaneProps) {
  const host = useRef<HTMLDivElement>(null);
  const overlay = useRef<Konva.Layer>(null);
  const preview = useRef<Konva.Layer>(null);
  const roundCursor = useRef<Konva.Circle>(null);
  const squareCursor = useRef<Konva.Rect>(null);
  const view = useEditor(editor, (e) => e.view);
  const toolView = useToolView(editor);
  // Serialised: the snapshot must be a stable value between changes.
  const previewJson = useEditor(editor, (e) => JSON.stringify(e.tool.preview()));
  const previewShape = useMemo(() => JSON.parse(previewJson) as ReturnType<LabelEditor['tool']['preview']>, [previewJson]);
  const brush = useEditor(editor, (e) => `${e.brushSize}:${e.brushTip}`);
  const fitted = useRef(false);
  const handle = useRef<PaneHandle>({ overlay: null, preview: null });

  useEffect(() => {
    const h = handle.current;
    panes.add(h);
    return () => {
      panes.delete(h);
    };
  }, [panes]);
  useEffect(() => {
    handle.current.overlay = overlay.current;
    handle.current.preview = preview.current;
  });

  // Track the pane's size; the first time it is known, fit the image.
  const size = usePaneSize(
    host,
    (next) => {
      editor.setViewSize(next);
      if (!fitted.current) {
        fitted.current = true;
        editor.fit();
      }
    },
    [editor],
  );

  useEffect(() => {
    // The brush outline follows the pointer without a React render: move the Konva node
    // and let the next frame draw it.
    const moveOutline = (p: Point | null) => {
      const c = brushOutlineAt(editor, p);
      const half = editor.brushSize / 2;
      roundCursor.current?.setAttrs({ visible: !!c && editor.brushTip === 'round', x: c?.x ?? 0, y: c?.y ?? 0, radius: half });
      squareCursor.current?.setAttrs({
        visible: !!c && editor.brushTip === 'square',
        x: (c?.x ?? 0) - half,
        y: (c?.y ?? 0) - half,
        width: editor.brushSize,
        height: editor.brushSize,
      });
      requestDraw();
    };
    return attachPaneInput(host.current!, editor, { moveOutline, timed, doubleClick: true });
  }, [editor, timed, requestDraw]);

  const [brushSize] = brush.split(':');
  const px = 1 / view.scale;

  return (
    <div
      ref={host}
      className="label-canvas__pane"
      role="img"
      aria-label={label}
      tabIndex={0}
      data-tool={toolView.tool}
      data-tool-state={toolView.state}
      data-view={`${view.scale} ${view.x} ${view.y}`}
      style={{ cursor: paneCursor(toolView) }}
    >
      {size.width > 0 && (
        <Stage width={size.width} height={size.height} listening={false}>
          <Layer imageSmoothingEnabled={false} listening={false} x={view.x} y={view.y} scaleX={view.scale} scaleY={view.scale}>
            <Rect width={editor.map.width} height={editor.map.height} fill="#101011" />
            {showPhoto && photo && <KImage image={photo} width={editor.map.width} height={editor.map.height} />}
          </Layer>
          <Layer ref={overlay} imageSmoothingEnabled={false} listening={false} x={view.x} y={view.y} scaleX={view.scale} scaleY={view.scale}>
            {showLabels && <KImage image={surface.canvas} opacity={opacity} />}
          </Layer>
          <Layer ref={preview} listening={false} x={view.x} y={view.y} scaleX={view.scale} scaleY={view.scale}>
            {previewShape.kind === 'rectangle' && (
              <Rect
                x={Math.min(Math.floor(previewShape.from.x), Math.floor(previewShape.to.x))}
                y={Math.min(Math.floor(previewShape.from.y), Math.floor(previewShape.to.y))}
                width={Math.abs(Math.floor(previewShape.to.x) - Math.floor(previewShape.from.x)) + 1}
                height={Math.abs(Math.floor(previewShape.to.y) - Math.floor(previewShape.from.y)) + 1}
                stroke="#ffffff"
                strokeWidth={px}
                dash={[4 * px, 4 * px]}
              />
            )}
            {previewShape.kind === 'polygon' && (
              <Line
                points={[...previewShape.points, ...(previewShape.cursor ? [previewShape.cursor] : [])].flatMap((p) => [p.x, p.y])}
                stroke="#ffffff"
                strokeWidth={px}
                dash={[4 * px, 4 * px]}
                closed={false}
              />
            )}
            <Circle ref={roundCursor} visible={false} radius={Number(brushSize) / 2} stroke="#ffffff" strokeWidth={px} />
            <Rect ref={squareCursor} visible={false} stroke="#ffffff" strokeWidth={px} />
          </Layer>
        </Stage>
      )}
    </div>
  );
}
