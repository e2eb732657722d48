/**
 * The action registry: shortcuts parsed, matched and shown per platform, conflicts refused
 * at registration, keys dispatched to exactly one action, and the studio's own actions
 * bound to the shortcuts the app documents.
 */
import { describe, expect, it, vi } from 'vitest';
import { MENU } from '../../src/main/electron/menu';
import { bindMenu, createActionRegistry } from '../../src/renderer/src/actions';
import { formatShortcut, matchesShortcut, parseShortcut, type KeyEventLike } from '../../src/renderer/src/actions/keys';
import { ActionRegistry, type Action } from '../../src/renderer/src/actions/registry';
import { createClient } from '../../src/renderer/src/api/client';
import type { ConnectionState, Transport } from '../../src/renderer/src/api/transport';
import { createStore } from '../../src/renderer/src/state/store';
import { createStudio } from '../../src/renderer/src/state/studio';

const key = (k: string, mods: Partial<KeyEventLike> = {}): KeyEventLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('shortcuts', () => {
  it('resolves Mod to Ctrl off macOS and to Cmd on macOS, with no extra modifiers allowed', () => {
    const s = parseShortcut('Mod+Shift+N');
    expect(matchesShortcut(s, key('N', { ctrlKey: true, shiftKey: true }), false)).toBe(true);
    expect(matchesShortcut(s, key('N', { metaKey: true, shiftKey: true }), false)).toBe(false);
    expect(matchesShortcut(s, key('N', { metaKey: true, shiftKey: true }), true)).toBe(true);
    expect(matchesShortcut(s, key('N', { ctrlKey: true, shiftKey: true, altKey: true }), false)).toBe(false);
    expect(matchesShortcut(s, key('n', { ctrlKey: true }), false)).toBe(false);
  });

  it('matches digits and letters by physical key on layouts that type other characters there', () => {
    // AZERTY: the "1" key types "&" unless Shift is held.
    expect(matchesShortcut(parseShortcut('Mod+1'), key('&', { ctrlKey: true, code: 'Digit1' }), false)).toBe(true);
    expect(matchesShortcut(parseShortcut('Mod+1'), key('&', { ctrlKey: true, code: 'Digit2' }), false)).toBe(false);
    // Cyrillic layout: Ctrl+"щ" on the physical O key.
    expect(matchesShortcut(parseShortcut('Mod+O'), key('щ', { ctrlKey: true, code: 'KeyO' }), false)).toBe(true);
    // A Latin letter means the layout decides, not the position (Dvorak "o" is on KeyS).
    expect(matchesShortcut(parseShortcut('Mod+O'), key('o', { ctrlKey: true, code: 'KeyS' }), false)).toBe(true);
    expect(matchesShortcut(parseShortcut('Mod+O'), key('s', { ctrlKey: true, code: 'KeyO' }), false)).toBe(false);
  });

  it('formats shortcuts the way each platform writes them', () => {
    expect(formatShortcut(parseShortcut('Mod+Shift+N'), false)).toBe('Ctrl+Shift+N');
    expect(formatShortcut(parseShortcut('Mod+Shift+N'), true)).toBe('⇧⌘N');
    expect(formatShortcut(parseShortcut('F1'), false)).toBe('F1');
    expect(formatShortcut(parseShortcut('Mod+K'), true)).toBe('⌘K');
    expect(formatShortcut(parseShortcut('Mod++'), false)).toBe('Ctrl++');
  });

  it('rejects shortcuts it cannot parse, naming them', () => {
    expect(() => parseShortcut('Mod+Shift')).toThrow('Shortcut "Mod+Shift" names no key');
    expect(() => parseShortcut('Cmd+K')).toThrow('Shortcut "Cmd+K": unknown modifier "Cmd"');
  });
});

function registry(actions: Action<string[]>[], isMac = false) {
  const errors: unknown[] = [];
  const r = new ActionRegistry<string[]>({ isMac, onError: (error) => errors.push(error) });
  r.register(...actions);
  return { r, errors };
}

const act = (id: string, shortcuts: string[], extra: Partial<Action<string[]>> = {}): Action<string[]> => ({
  id,
  label: id,
  category: 'Test',
  shortcuts,
  perform: (log) => void log.push(id),
  ...extra,
});

describe('ActionRegistry', () => {
  it('refuses duplicate ids and shortcuts that collide on any platform', () => {
    expect(() => registry([act('a', []), act('a', [])])).toThrow('Action "a" is registered twice');
    expect(() => registry([act('a', ['Mod+K']), act('b', ['Ctrl+K'])])).toThrow(
      'Shortcut "Ctrl+K" of action "b" is already used by "a"',
    );
    // On macOS Mod+K is Cmd+K, which Meta+K also is.
    expect(() => registry([act('a', ['Mod+K']), act('b', ['Meta+K'])])).toThrow(/already used by "a"/);
    expect(() => registry([act('a', ['Mod+K']), act('b', ['Mod+Shift+K'])])).not.toThrow();
  });

  it('dispatches a key to its action and tells the caller the key was consumed', () => {
    const { r } = registry([act('open', ['Mod+O']), act('help', ['F1'])]);
    const log: string[] = [];
    expect(r.handleKeyDown(key('o', { ctrlKey: true }), log)?.action.id).toBe('open');
    expect(r.handleKeyDown(key('F1'), log)?.action.id).toBe('help');
    expect(r.handleKeyDown(key('o'), log)).toBeUndefined();
    expect(r.handleKeyDown(key('p', { ctrlKey: true }), log)).toBeUndefined();
    expect(log).toEqual(['open', 'help']);
  });

  it('consumes the shortcut of a disabled action without running it', async () => {
    const { r } = registry([act('cancel', ['Mod+.'], { enabled: () => false })]);
    const log: string[] = [];
    expect(r.handleKeyDown(key('.', { ctrlKey: true }), log)).toMatchObject({ performed: false });
    expect(await r.perform('cancel', log)).toBe(false);
    expect(log).toEqual([]);
  });

  it('leaves bare keys to text fields but still takes modified keys, function keys and Escape', () => {
    const { r } = registry([act('brush', ['B']), act('open', ['Mod+O']), act('help', ['F1']), act('close', ['Escape'])]);
    const log: string[] = [];
    expect(r.handleKeyDown(key('b'), log, true)).toBeUndefined();
    expect(r.handleKeyDown(key('o', { ctrlKey: true }), log, true)?.action.id).toBe('open');
    expect(r.handleKeyDown(key('F1'), log, true)?.action.id).toBe('help');
    expect(r.handleKeyDown(key('Escape'), log, true)?.action.id).toBe('close');
    expect(r.handleKeyDown(key('b'), log, false)?.action.id).toBe('brush');
    expect(log).toEqual(['open', 'help', 'close', 'brush']);
  });

  it('hands a failing action’s error to onError instead of throwing from a key handler', async () => {
    const boom = new Error('no project folder');
    const { r, errors } = registry([act('open', ['Mod+O'], { perform: async () => Promise.reject(boom) })]);
    r.handleKeyDown(key('o', { ctrlKey: true }), []);
    await vi.waitFor(() => expect(errors).toEqual([boom]));
    await expect(r.perform('open', [])).resolves.toBe(true);
    expect(errors).toEqual([boom, boom]);
    await expect(r.perform('nope', [])).rejects.toThrow('Unknown action "nope"');
  });

  it('ranks palette matches: label prefix, word start, substring, scattered letters', () => {
    const { r } = registry([
      act('a', [], { label: 'Run engine self-test', category: 'Engine' }),
      act('b', [], { label: 'Open project…', category: 'Project' }),
      act('c', [], { label: 'Go to Train', category: 'Workspace', keywords: ['switch'] }),
      act('d', [], { label: 'Project settings', category: 'Project' }),
    ]);
    expect(r.search('').map((a) => a.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(r.search('proj').map((a) => a.id)).toEqual(['d', 'b']);
    expect(r.search('switch').map((a) => a.id)).toEqual(['c']);
    expect(r.search('slft').map((a) => a.id)).toEqual(['a']);
    expect(r.search('zzz')).toEqual([]);
  });
});

/** A main that answers nothing but can push events. */
function idleTransport() {
  const listeners = new Map<string, (payload: unknown) => void>();
  const transport: Transport = {
    platform: 'browser',
    connection: createStore<ConnectionState>({ status: 'open' }),
    invoke: async (name) => Promise.reject(new Error(`unexpected request ${name}`)),
    on: (name, listener) => {
      listeners.set(name, listener);
      return () => listeners.delete(name);
    },
    close() {},
  };
  return { transport, emit: (name: string, payload: unknown) => listeners.get(name)?.(payload) };
}

describe('the studio’s actions', () => {
  const studio = () => createStudio(createClient(idleTransport().transport));

  it.each([
    ['Control+1 goes to Dataset & Label', key('1', { ctrlKey: true }), 'dataset'],
    ['Control+2 goes to Translate', key('2', { ctrlKey: true }), 'translate'],
    ['Control+3 goes to Train', key('3', { ctrlKey: true }), 'train'],
  ])('%s', (_, event, workspace) => {
    const s = studio();
    s.navigate(workspace === 'dataset' ? 'train' : 'dataset');
    createActionRegistry(false).handleKeyDown(event, s);
    expect(s.ui.get().workspace).toBe(workspace);
  });

  it('opens the project dialogs and toggles the command palette from the keyboard', () => {
    const s = studio();
    const actions = createActionRegistry(false);
    actions.handleKeyDown(key('o', { ctrlKey: true }), s);
    expect(s.ui.get().dialog).toEqual({ kind: 'project', mode: 'open' });
    actions.handleKeyDown(key('N', { ctrlKey: true, shiftKey: true }), s);
    expect(s.ui.get().dialog).toEqual({ kind: 'project', mode: 'new' });
    actions.handleKeyDown(key('k', { ctrlKey: true }), s);
    expect(s.ui.get().dialog).toEqual({ kind: 'palette' });
    actions.handleKeyDown(key('F1'), s, true);
    expect(s.ui.get().dialog).toBeNull();
  });

  it('uses Cmd on macOS and lists every action with its shortcut for the palette', () => {
    const s = studio();
    const mac = createActionRegistry(true);
    mac.handleKeyDown(key('2', { metaKey: true }), s);
    expect(s.ui.get().workspace).toBe('translate');
    expect(mac.handleKeyDown(key('2', { ctrlKey: true }), s)).toBeUndefined();
    expect(mac.shortcutLabels('palette.show')).toEqual(['⌘K', 'F1']);

    const pc = createActionRegistry(false);
    const listed = Object.fromEntries(pc.search('').map((a) => [a.id, pc.shortcutLabels(a.id)]));
    expect(listed).toMatchObject({
      'workspace.dataset': ['Ctrl+1'],
      'workspace.translate': ['Ctrl+2'],
      'workspace.train': ['Ctrl+3'],
      'project.new': ['Ctrl+Shift+N'],
      'project.open': ['Ctrl+O'],
      'palette.show': ['Ctrl+K', 'F1'],
      'engine.selftest': [],
      'job.cancel': [],
    });
  });

  it('turns a failing action into an error toast that names it', async () => {
    const s = studio();
    await createActionRegistry(false).perform('engine.selftest', s);
    expect(s.toasts.store.get()).toMatchObject([
      { kind: 'error', title: '“Run engine self-test” failed', message: 'unexpected request engine:selftest' },
    ]);
  });

  it('runs the action an Electron menu item names, and reports a name it does not know', async () => {
    const main = idleTransport();
    const s = createStudio(createClient(main.transport));
    bindMenu(s.api, createActionRegistry(false), s);
    main.emit('app:menu', { action: 'workspace.train' });
    await vi.waitFor(() => expect(s.ui.get().workspace).toBe('train'));
    main.emit('app:menu', { action: 'project.frobnicate' });
    expect(s.toasts.store.get()).toMatchObject([
      { kind: 'error', message: 'The menu asked for "project.frobnicate", which is not a command of this version' },
    ]);
  });

  it('backs every application-menu entry with a registered action and the same shortcut', () => {
    const actions = createActionRegistry(false);
    const entries = MENU.flatMap((section) => section.entries).filter((e): e is Extract<typeof e, { action: string }> => 'action' in e);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      const action = actions.get(entry.action);
      expect(action, `menu entry "${entry.label}"`).toBeDefined();
      if (entry.accelerator) {
        expect(action!.shortcuts ?? [], `menu entry "${entry.label}"`).toContain(entry.accelerator.replace('CmdOrCtrl', 'Mod'));
      }
    }
  });
});
