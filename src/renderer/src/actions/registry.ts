/**
 * One registry for every user command. Keyboard shortcuts, the command palette and
 * (in Electron) the application menu all dispatch through it, so a shortcut can never
 * drift from its menu entry, and every command is discoverable in one place.
 */
import { firesWhileTyping, formatShortcut, matchesShortcut, parseShortcut, type KeyEventLike, type Shortcut } from './keys';

export interface Action<C> {
  /** Stable id, "area.verb": "workspace.translate", "project.open". */
  id: string;
  /** What the palette and menus show. */
  label: string;
  /** Groups actions in the palette: "Workspace", "Project", "Engine", "Help". */
  category: string;
  /** Extra words the palette search matches ("switch", "go to"). */
  keywords?: readonly string[];
  /** Shortcut strings, first one shown in menus: "Mod+1", "Mod+Shift+N", "F1". */
  shortcuts?: readonly string[];
  /** When false the action is listed greyed out and its shortcut does nothing. */
  enabled?: (context: C) => boolean;
  perform: (context: C) => void | Promise<void>;
}

interface Entry<C> {
  action: Action<C>;
  shortcuts: Shortcut[];
}

export interface RegistryOptions<C> {
  isMac: boolean;
  /** Called when an action throws or rejects; the registry never lets an error escape a key handler. */
  onError: (error: unknown, action: Action<C>, context: C) => void;
}

export interface KeyDispatch<C> {
  action: Action<C>;
  /** False when the shortcut matched a disabled action: the key is still consumed. */
  performed: boolean;
}

export class ActionRegistry<C> {
  private readonly entries = new Map<string, Entry<C>>();

  constructor(private readonly options: RegistryOptions<C>) {}

  get isMac(): boolean {
    return this.options.isMac;
  }

  /** Adds actions; throws on a duplicate id or a shortcut another action already uses. */
  register(...actions: Action<C>[]): this {
    for (const action of actions) {
      if (this.entries.has(action.id)) throw new Error(`Action "${action.id}" is registered twice`);
      const shortcuts = (action.shortcuts ?? []).map(parseShortcut);
      for (const shortcut of shortcuts) {
        const clash = this.ownerOf(shortcut);
        if (clash) {
          throw new Error(`Shortcut "${shortcut.source}" of action "${action.id}" is already used by "${clash.id}"`);
        }
      }
      this.entries.set(action.id, { action, shortcuts });
    }
    return this;
  }

  get(id: string): Action<C> | undefined {
    return this.entries.get(id)?.action;
  }

  /** Every action in registration order. */
  list(): Action<C>[] {
    return [...this.entries.values()].map((entry) => entry.action);
  }

  isEnabled(id: string, context: C): boolean {
    const action = this.require(id);
    return action.enabled ? action.enabled(context) : true;
  }

  /** The action's shortcuts as this platform writes them ("Ctrl+1" or "⌘1"). */
  shortcutLabels(id: string): string[] {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`Unknown action "${id}"`);
    return entry.shortcuts.map((shortcut) => formatShortcut(shortcut, this.options.isMac));
  }

  /**
   * Runs an action by id. Returns false when it is disabled. Errors go to `onError`
   * (they become toasts in the app) and the returned promise still resolves.
   */
  async perform(id: string, context: C): Promise<boolean> {
    const action = this.require(id);
    if (action.enabled && !action.enabled(context)) return false;
    try {
      await action.perform(context);
    } catch (error) {
      this.options.onError(error, action, context);
    }
    return true;
  }

  /**
   * Finds the action bound to a keydown and runs it. Returns undefined when no action
   * owns the key (the caller then leaves the event alone); otherwise the caller should
   * preventDefault, so the browser's own binding (Ctrl+O, Ctrl+K) does not also fire.
   */
  handleKeyDown(event: KeyEventLike, context: C, typing = false): KeyDispatch<C> | undefined {
    for (const { action, shortcuts } of this.entries.values()) {
      const hit = shortcuts.find((s) => matchesShortcut(s, event, this.options.isMac) && (!typing || firesWhileTyping(s)));
      if (!hit) continue;
      const enabled = action.enabled ? action.enabled(context) : true;
      if (enabled) void this.perform(action.id, context);
      return { action, performed: enabled };
    }
    return undefined;
  }

  /**
   * Palette search: actions whose "category: label" or keywords contain the query's
   * characters in order, best first (label prefix, then word start, then substring,
   * then scattered letters). An empty query lists every action.
   */
  search(query: string): Action<C>[] {
    const visible = this.list();
    const q = query.trim().toLowerCase();
    if (!q) return visible;
    const scored: { action: Action<C>; score: number; order: number }[] = [];
    visible.forEach((action, order) => {
      const score = matchScore(action, q);
      if (score > 0) scored.push({ action, score, order });
    });
    return scored.sort((a, b) => b.score - a.score || a.order - b.order).map((s) => s.action);
  }

  private require(id: string): Action<C> {
    const action = this.get(id);
    if (!action) throw new Error(`Unknown action "${id}"`);
    return action;
  }

  /** The action that would fire for the same keys as `shortcut` on either platform. */
  private ownerOf(shortcut: Shortcut): Action<C> | undefined {
    for (const { action, shortcuts } of this.entries.values()) {
      if (shortcuts.some((other) => sameKeys(other, shortcut, false) || sameKeys(other, shortcut, true))) return action;
    }
    return undefined;
  }
}

function sameKeys(a: Shortcut, b: Shortcut, isMac: boolean): boolean {
  const resolve = (s: Shortcut) => [s.ctrl || (s.mod && !isMac), s.meta || (s.mod && isMac), s.alt, s.shift, s.key].join();
  return resolve(a) === resolve(b);
}

function matchScore(action: Pick<Action<unknown>, 'label' | 'category' | 'keywords'>, q: string): number {
  const label = action.label.toLowerCase();
  if (label.startsWith(q)) return 4;
  const haystacks = [label, `${action.category}: ${action.label}`.toLowerCase(), ...(action.keywords ?? []).map((k) => k.toLowerCase())];
  if (haystacks.some((h) => h.split(/[\s:·—-]+/).some((word) => word.startsWith(q)))) return 3;
  if (haystacks.some((h) => h.includes(q))) return 2;
  if (haystacks.some((h) => isSubsequence(q, h))) return 1;
  return 0;
}

function isSubsequence(needle: string, haystack: string): boolean {
  let i = 0;
  for (const ch of haystack) if (ch === needle[i]) i += 1;
  return i === needle.length;
}
