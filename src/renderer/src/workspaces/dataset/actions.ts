/**
 * The label editor's commands in the studio's one action registry: every tool, the brush,
 * history, view, classes 1–9, saving and moving between images. Buttons call these by id,
 * so a toolbar button and its shortcut cannot disagree.
 */
import type { Action } from '../../actions/registry';
import type { LabelEditor } from '../../canvas/label-editor';
import type { ToolId } from '../../canvas/tools';
import type { Studio } from '../../state/studio';
import { datasetControllerFor } from './controller';
import { translateControllerFor } from '../translate/controller';

/** The editor when the Dataset & Label workspace shows one. */
function editorOf(studio: Studio): LabelEditor | null {
  if (studio.ui.get().workspace !== 'dataset' || studio.ui.get().dialog) return null;
  const s = datasetControllerFor(studio).store.get();
  return s.mode === 'editor' ? (s.session?.editor ?? null) : null;
}

/** The editor the painting commands (tools, brush, undo, classes, view) act on: Translate's mask or label map too. */
function paintingEditorOf(studio: Studio): LabelEditor | null {
  if (studio.ui.get().workspace === 'translate' && !studio.ui.get().dialog) return translateControllerFor(studio).activeEditor;
  return editorOf(studio);
}

function scopedAction(
  find: (studio: Studio) => LabelEditor | null,
  id: string,
  label: string,
  shortcuts: string[],
  perform: (editor: LabelEditor, studio: Studio) => void | Promise<void>,
  keywords: string[] = [],
): Action<Studio> {
  return {
    id,
    label,
    category: 'Label',
    keywords,
    shortcuts,
    enabled: (studio) => find(studio) !== null,
    perform: (studio) => {
      const editor = find(studio);
      if (editor) return perform(editor, studio);
    },
  };
}

type ActionArgs = [
  id: string,
  label: string,
  shortcuts: string[],
  perform: (editor: LabelEditor, studio: Studio) => void | Promise<void>,
  keywords?: string[],
];
/** A painting command: the dataset's label editor, or Translate's mask / label map. */
const editorAction = (...args: ActionArgs) => scopedAction(paintingEditorOf, ...args);
/** A command of the dataset's label editor only (overlay, save, next image). */
const datasetAction = (...args: ActionArgs) => scopedAction(editorOf, ...args);

const TOOL_KEYS: [ToolId, string, string][] = [
  ['brush', 'Brush', 'B'],
  ['eraser', 'Eraser', 'E'],
  ['fill', 'Fill', 'G'],
  ['polygon', 'Polygon', 'P'],
  ['rectangle', 'Rectangle', 'R'],
  ['eyedropper', 'Eyedropper', 'I'],
  ['pan', 'Pan', 'H'],
];

export const labelActions: Action<Studio>[] = [
  ...TOOL_KEYS.map(([tool, name, key]) =>
    editorAction(`label.tool.${tool}`, `${name} tool`, [key], (e) => e.setTool(tool), ['tool']),
  ),
  editorAction('label.brush.smaller', 'Smaller brush', ['['], (e) => e.setBrushSize(e.brushSize > 10 ? e.brushSize / 1.25 : e.brushSize - 1)),
  editorAction('label.brush.larger', 'Larger brush', [']'], (e) => e.setBrushSize(e.brushSize >= 10 ? e.brushSize * 1.25 : e.brushSize + 1)),
  editorAction('label.brush.tip', 'Toggle round / square brush tip', ['T'], (e) => e.setBrushTip(e.brushTip === 'round' ? 'square' : 'round')),
  editorAction('label.undo', 'Undo', ['Mod+Z'], (e) => void e.undo()),
  editorAction('label.redo', 'Redo', ['Mod+Shift+Z', 'Mod+Y'], (e) => void e.redo()),
  ...['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((k) =>
    editorAction(`label.class.${k}`, `Class ${k}`, [k], (e) => void e.selectClassByKey(k), ['class', 'colour']),
  ),
  editorAction('label.view.fit', 'Fit image to window', ['F', 'Shift+1'], (e) => e.fit(), ['zoom']),
  editorAction('label.view.actual', 'Actual size (1:1)', ['Shift+0'], (e) => e.actualSize(), ['zoom', '100%']),
  editorAction('label.view.zoomIn', 'Zoom in', ['Mod+='], (e) => e.zoomAt({ x: e.viewSize.width / 2, y: e.viewSize.height / 2 }, 1.25)),
  editorAction('label.view.zoomOut', 'Zoom out', ['Mod+-'], (e) => e.zoomAt({ x: e.viewSize.width / 2, y: e.viewSize.height / 2 }, 0.8)),
  datasetAction('label.overlay.toggle', 'Show or hide the label map', ['O'], (_e, s) => {
    const c = datasetControllerFor(s);
    c.setDisplay({ overlay: !c.store.get().display.overlay });
  }),
  datasetAction('label.overlay.more', 'More label opacity', ['Shift+O'], (_e, s) => {
    const c = datasetControllerFor(s);
    c.setDisplay({ opacity: c.store.get().display.opacity + 0.1 });
  }),
  datasetAction('label.overlay.less', 'Less label opacity', ['Alt+O'], (_e, s) => {
    const c = datasetControllerFor(s);
    c.setDisplay({ opacity: c.store.get().display.opacity - 0.1 });
  }),
  datasetAction('label.view.sideBySide', 'Photo and label map side by side', ['V'], (_e, s) => {
    const c = datasetControllerFor(s);
    c.setDisplay({ layout: c.store.get().display.layout === 'overlay' ? 'side-by-side' : 'overlay' });
  }),
  datasetAction('label.save', 'Save label map', ['Mod+S'], (_e, s) => void datasetControllerFor(s).save()),
  datasetAction('label.markLabelled', 'Mark labelled and go to the next image', ['Mod+Enter'], (_e, s) => datasetControllerFor(s).markLabelled()),
  datasetAction('label.next', 'Next image', ['PageDown', 'Alt+ArrowRight'], (_e, s) => datasetControllerFor(s).next()),
  datasetAction('label.prev', 'Previous image', ['PageUp', 'Alt+ArrowLeft'], (_e, s) => datasetControllerFor(s).prev()),
  datasetAction('label.close', 'Back to the image grid', ['Alt+ArrowUp'], (_e, s) => datasetControllerFor(s).close()),
];
