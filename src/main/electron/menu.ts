import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu as data. Items with an `action` run the renderer action of that
 * id (src/renderer/src/actions), so a menu entry and its shortcut stay one command; the
 * accelerator is shown but not registered, because the renderer's registry handles keys.
 */
export type MenuEntry =
  | { action: string; label: string; accelerator?: string }
  | { role: NonNullable<MenuItemConstructorOptions['role']>; devOnly?: boolean }
  | { separator: true };

export interface MenuSection {
  label: string;
  /** macOS puts the app menu first under the app's name. */
  macOnly?: boolean;
  entries: MenuEntry[];
}

export const MENU: readonly MenuSection[] = [
  { label: 'Atelier', macOnly: true, entries: [{ role: 'about' }, { separator: true }, { role: 'hide' }, { role: 'quit' }] },
  {
    label: 'File',
    entries: [
      { action: 'project.new', label: 'New Project…', accelerator: 'CmdOrCtrl+Shift+N' },
      { action: 'project.open', label: 'Open Project…', accelerator: 'CmdOrCtrl+O' },
      { separator: true },
      { role: 'quit' },
    ],
  },
  { label: 'Edit', entries: [{ role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
  {
    label: 'View',
    entries: [
      { action: 'palette.show', label: 'Command Palette…' },
      { separator: true },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { role: 'togglefullscreen' },
      { separator: true },
      { role: 'reload', devOnly: true },
      { role: 'toggleDevTools', devOnly: true },
    ],
  },
  {
    label: 'Engine',
    entries: [
      { action: 'engine.details', label: 'Engine Details…' },
      { action: 'engine.selftest', label: 'Run Self-Test' },
    ],
  },
];

/** Electron's menu template for `sections`; `runAction` forwards an action id to the renderer. */
export function menuTemplate(
  sections: readonly MenuSection[],
  options: { isMac: boolean; dev: boolean; runAction: (action: string) => void },
): MenuItemConstructorOptions[] {
  return sections
    .filter((section) => options.isMac || !section.macOnly)
    .map((section) => ({
      label: section.label,
      submenu: trimSeparators(section.entries
          .filter((entry) => !('devOnly' in entry && entry.devOnly && !options.dev))
          // macOS has Quit in the app menu.
          .filter((entry) => !(options.isMac && section.label === 'File' && 'role' in entry && entry.role === 'quit'))
          .map((entry): MenuItemConstructorOptions => {
          if ('separator' in entry) return { type: 'separator' };
          if ('role' in entry) return { role: entry.role };
          return {
            label: entry.label,
            accelerator: entry.accelerator,
            registerAccelerator: false,
            click: () => options.runAction(entry.action),
          };
        })),
    }));
}

/** Drop separators left at either end (or doubled) once entries are filtered out. */
function trimSeparators(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  const out: MenuItemConstructorOptions[] = [];
  for (const item of items) {
    if (item.type === 'separator' && (out.length === 0 || out[out.length - 1].type === 'separator')) continue;
    out.push(item);
  }
  while (out.length > 0 && out[out.length - 1].type === 'separator') out.pop();
  return out;
}
