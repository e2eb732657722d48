/**
 * Keyboard shortcuts as data: parsed from strings like "Mod+Shift+N" or "F1", matched
 * against keydown events and formatted for menus and the command palette. "Mod" is
 * Cmd on macOS and Ctrl elsewhere, so one declaration serves every platform.
 */

/** The fields of a KeyboardEvent that shortcut matching reads. */
export interface KeyEventLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export interface Shortcut {
  /** The text it was parsed from, e.g. "Mod+Shift+N". */
  source: string;
  mod: boolean;
  ctrl: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
  /** The key, lower-cased for letters: "n", "1", "f1", "escape", "?". */
  key: string;
}

const MODIFIERS = new Set(['mod', 'ctrl', 'meta', 'alt', 'shift']);

export function parseShortcut(source: string): Shortcut {
  const parts = source.split('+').map((part) => part.trim());
  // "Mod++" names the plus key: the split leaves two empty strings at the end.
  if (parts.length >= 2 && parts.at(-1) === '' && parts.at(-2) === '') parts.splice(-2, 2, '+');
  const key = parts.pop();
  if (!key || MODIFIERS.has(key.toLowerCase())) {
    throw new Error(`Shortcut "${source}" names no key (expected e.g. "Mod+K" or "F1")`);
  }
  const shortcut: Shortcut = { source, mod: false, ctrl: false, meta: false, alt: false, shift: false, key: key.toLowerCase() };
  for (const part of parts) {
    const modifier = part.toLowerCase();
    if (!MODIFIERS.has(modifier)) {
      throw new Error(`Shortcut "${source}": unknown modifier "${part}" (use Mod, Ctrl, Meta, Alt or Shift)`);
    }
    shortcut[modifier as 'mod' | 'ctrl' | 'meta' | 'alt' | 'shift'] = true;
  }
  return shortcut;
}

/** The modifiers a shortcut needs on this platform, with Mod resolved. */
function required(shortcut: Shortcut, isMac: boolean) {
  return {
    ctrl: shortcut.ctrl || (shortcut.mod && !isMac),
    meta: shortcut.meta || (shortcut.mod && isMac),
    alt: shortcut.alt,
    shift: shortcut.shift,
  };
}

/** True when the key event is exactly this shortcut (no extra modifiers held). */
export function matchesShortcut(shortcut: Shortcut, event: KeyEventLike, isMac: boolean): boolean {
  const want = required(shortcut, isMac);
  if (event.ctrlKey !== want.ctrl || event.metaKey !== want.meta || event.altKey !== want.alt) return false;
  if (event.shiftKey !== want.shift) return false;
  const key = event.key.toLowerCase();
  if (key === shortcut.key) return true;
  // Layouts where digits need Shift (AZERTY) or letters are not Latin (Cyrillic, Greek)
  // still reach the shortcut through the physical key.
  if (/^[0-9]$/.test(shortcut.key)) return event.code === `Digit${shortcut.key}`;
  if (/^[a-z]$/.test(shortcut.key) && !/^[a-z]$/.test(key)) return event.code === `Key${shortcut.key.toUpperCase()}`;
  return false;
}

/**
 * Shortcuts made of a bare key (no Ctrl/Cmd/Alt) are text when the user types in a field,
 * so they are not taken from inputs; function keys and Escape always are.
 */
export function firesWhileTyping(shortcut: Shortcut): boolean {
  return shortcut.mod || shortcut.ctrl || shortcut.meta || shortcut.alt || /^f([1-9]|1[0-9]|2[0-4])$/.test(shortcut.key) || shortcut.key === 'escape';
}

const KEY_NAMES: Record<string, string> = {
  escape: 'Esc',
  arrowup: '↑',
  arrowdown: '↓',
  arrowleft: '←',
  arrowright: '→',
  ' ': 'Space',
  space: 'Space',
  enter: 'Enter',
  delete: 'Del',
  backspace: 'Backspace',
};

function keyLabel(key: string): string {
  return KEY_NAMES[key] ?? (key.length === 1 ? key.toUpperCase() : key[0].toUpperCase() + key.slice(1));
}

/** How a shortcut is written in menus: "⇧⌘N" on macOS, "Ctrl+Shift+N" elsewhere. */
export function formatShortcut(shortcut: Shortcut, isMac: boolean): string {
  const want = required(shortcut, isMac);
  const key = keyLabel(shortcut.key);
  if (isMac) {
    return `${want.ctrl ? '⌃' : ''}${want.alt ? '⌥' : ''}${want.shift ? '⇧' : ''}${want.meta ? '⌘' : ''}${key}`;
  }
  return [want.ctrl && 'Ctrl', want.meta && 'Meta', want.alt && 'Alt', want.shift && 'Shift', key].filter(Boolean).join('+');
}

/** Whether the platform is macOS, from a navigator-like object (Cmd replaces Ctrl there). */
export function isMacPlatform(nav: { platform?: string; userAgent?: string } | undefined): boolean {
  if (!nav) return false;
  return /mac/i.test(nav.platform ?? '') || /Mac OS X/.test(nav.userAgent ?? '');
}
