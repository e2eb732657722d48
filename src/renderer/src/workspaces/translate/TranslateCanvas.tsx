/**
 * Source and result, side by side or as one before/after view with a split slider. Every
 * pane draws through the same editor view, so zoom and pan stay in step. The source pane
 * (and the before/after pane) paint the mask — or the label map, for a label→photo model —
 * with the label editor's tools; the result pane only zooms and pans.
 *
 * Konva layers: the photo (redrawn when the view moves), the result, the mask overlay and
 * the brush cursor, redrawn once per animation frame after the overlay canvas was
 * re-coloured in its dirty tiles.
 */
import type Konva from 'konva';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Circle, Group, Image as KImage, Layer, Rect, Stage } from 'react-konva';
import { attachPaneInput, brushOutlineAt, drawPerFrame, paneCursor, useEditor, usePaneSize, useToolView } from '../../canvas/editor-pane';
import type { LabelEditor } from '../../canvas/label-editor';
import { OverlaySurface } from '../../canvas/overlay-surface';
import type { Point } from '../../canvas/raster';
import { useStore } from '../../state/store';
import type { ShownResult, Source, TranslateController } from './controller';
import { maskSurface } from './mask-surface';

/** An <img> for a URL, once loaded (null meanwhile or on error). */
function useImage(url: string | null): HTMLImageElement | null {
  const [image, setImage] = useState<HTMLImageElement | null>(null);
  useEffect(() => {
    setImage(null);
    if (!url) return;
    let live = true;
    const img = new Image();
    img.onload = () => live && setImage(img);
    img.src = url;
    return () => {
      live = false;
    };
  }, [url]);
  return image;
}

type PaneKind = 'source' | 'result' | 'compare';

interface PaneProps {
  kind: PaneKind;
  editor: LabelEditor;
  source: Source;
  photo: HTMLImageElement | null;
  surface: OverlaySurface;
  result: ShownResult | null;
  showMask: boolean;
  slider: number;
  frames: Set<() => void>;
}

export function TranslateCanvas({ controller }: { controller: TranslateController }) {
  const source = useStore(controller.store, (s) => s.source);
  const result = useStore(controller.store, (s) => s.result);
  const layout = useStore(controller.store, (s) => s.layout);
  const showMask = useStore(controller.store, (s) => s.showMask);
  const slider = useStore(controller.store, (s) => s.slider);
  const editor = source?.kind === 'photo' ? controller.maskEditor : controller.labelEditor;
  const photo = useImage(source?.kind === 'photo' ? source.url : null);
  const surface = useMemo<OverlaySurface | null>(() => {
    if (!editor) return null;
    return source?.kind === 'photo' ? maskSurface(editor.map) : new OverlaySurface(editor.map, editor.palette);
  }, [editor, source]);

  // One redraw per animation frame for every pane, after the overlay's dirty tiles were re-coloured.
  const frames = useRef(new Set<() => void>());
  useEffect(() => {
    if (!editor || !surface) return;
    return drawPerFrame(editor, () => {
      surface.update();
      for (const f of frames.current) f();
    }).stop;
  }, [editor, surface]);

  if (!source || !editor || !surface) return null;
  const common = { editor, source, photo, surface, result, showMask, slider, frames: frames.current };
  return (
    <div className={`translate-canvas translate-canvas--${layout}`}>
      {layout === 'side-by-side' ? (
        <>
          <Pane kind="source" {...common} />
          <Pane kind="result" {...common} />
        </>
      ) : (
        <Pane kind="compare" {...common} />
      )}
    </div>
  );
}

/** Editors whose image was fitted to the view once (a new photo starts fitted). */
const fitted = new WeakSet<LabelEditor>();

const PANE_LABELS: Record<PaneKind, string> = { source: 'Source', result: 'Result', compare: 'Before and after' };

function Pane({ kind, editor, source, photo, surface, result, showMask, slider, frames }: PaneProps) {
  const host = useRef<HTMLDivElement>(null);
  const overlay = useRef<Konva.Layer>(null);
  const cursorLayer = useRef<Konva.Layer>(null);
  const cursor = useRef<Konva.Circle>(null);
  const view = useEditor(editor, (e) => e.view);
  const toolView = useToolView(editor);
  const paints = kind !== 'result';

  useEffect(() => {
    const redraw = () => {
      overlay.current?.batchDraw();
      cursorLayer.current?.batchDraw();
    };
    frames.add(redraw);
    return () => {
      frames.delete(redraw);
    };
  }, [frames]);

  // Size: the first pane to know its size fits the image; both panes share the view.
  const size = usePaneSize(
    host,
    (next) => {
      if (kind === 'result') return;
      const resized = editor.viewSize.width !== next.width || editor.viewSize.height !== next.height;
      editor.setViewSize(next);
      // Fit a new image, and refit when the layout changes the pane's size.
      if (!fitted.has(editor) || resized) editor.fit();
      fitted.add(editor);
    },
    [editor, kind],
  );

  useEffect(() => {
    const moveOutline = (p: Point | null) => {
      const c = paints ? brushOutlineAt(editor, p) : null;
      cursor.current?.setAttrs({ visible: !!c, x: c?.x ?? 0, y: c?.y ?? 0, radius: editor.brushSize / 2 });
      cursorLayer.current?.batchDraw();
    };
    // The result pane pans with any button.
    return attachPaneInput(host.current!, editor, { moveOutline, panOnly: !paints });
  }, [editor, paints]);

  const { width, height } = editor.map;
  const transform = { x: view.x, y: view.y, scaleX: view.scale, scaleY: view.scale };
  const splitX = Math.round(slider * width);
  const showResult = kind !== 'source' && result;
  // The painted label map is the source itself; the mask is a tint over the photo.
  const overlayOpacity = source.kind === 'labels' ? 1 : showMask ? 0.45 : 0;

  return (
    <div
      ref={host}
      className="translate-canvas__pane"
      role="img"
      aria-label={PANE_LABELS[kind]}
      tabIndex={0}
      data-view={`${view.scale} ${view.x} ${view.y}`}
      data-tool={paints ? toolView.tool : 'pan'}
      data-result-seq={kind !== 'source' ? (result?.seq ?? '') : undefined}
      data-result-quality={kind !== 'source' ? (result?.quality ?? '') : undefined}
      style={{ cursor: paneCursor(toolView, paints) }}
    >
      {size.width > 0 && (
        <Stage width={size.width} height={size.height} listening={false}>
          <Layer listening={false} imageSmoothingEnabled={false} {...transform}>
            <Rect width={width} height={height} fill="#101011" />
            {(kind !== 'result' || !result) && photo && <KImage image={photo} width={width} height={height} />}
          </Layer>
          <Layer listening={false} {...transform}>
            {showResult && kind === 'result' && <KImage image={result.image as CanvasImageSource} width={width} height={height} />}
            {showResult && kind === 'compare' && (
              <Group clipX={splitX} clipY={0} clipWidth={width - splitX} clipHeight={height}>
                <KImage image={result.image as CanvasImageSource} width={width} height={height} />
              </Group>
            )}
          </Layer>
          <Layer ref={overlay} listening={false} imageSmoothingEnabled={false} {...transform}>
            {overlayOpacity > 0 && kind === 'source' && <KImage image={surface.canvas} opacity={overlayOpacity} />}
            {overlayOpacity > 0 && kind === 'compare' && (
              <Group clipX={0} clipY={0} clipWidth={splitX} clipHeight={height}>
                <KImage image={surface.canvas} opacity={overlayOpacity} />
              </Group>
            )}
            {kind === 'compare' && <Rect x={splitX} y={0} width={Math.max(1, 2 / view.scale)} height={height} fill="#ffffff" />}
          </Layer>
          <Layer ref={cursorLayer} listening={false} {...transform}>
            <Circle ref={cursor} visible={false} stroke="#ffffff" strokeWidth={1 / view.scale} />
          </Layer>
        </Stage>
      )}
    </div>
  );
}
