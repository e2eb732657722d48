import { useId, useMemo, useState, type KeyboardEvent } from 'react';
import { Dialog } from './Dialog';
import { useStudio } from './context';

/**
 * Every action of the registry, searchable, each with its shortcut: the one place a user
 * discovers what the studio can do and how to do it from the keyboard.
 */
export function CommandPalette() {
  const { studio, actions } = useStudio();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const listId = useId();
  const matches = useMemo(() => actions.search(query), [actions, query]);
  const current = Math.min(selected, Math.max(0, matches.length - 1));

  function run(id: string) {
    if (!actions.isEnabled(id, studio)) return;
    studio.closeDialog();
    void actions.perform(id, studio);
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setSelected((current + step + matches.length) % Math.max(1, matches.length));
    } else if (event.key === 'Enter' && matches[current]) {
      event.preventDefault();
      run(matches[current].id);
    }
  }

  const optionId = (index: number) => `${listId}-${index}`;

  return (
    <Dialog title="Commands" onClose={() => studio.closeDialog()} className="palette" hideTitle>
      <input
        className="palette__input"
        role="combobox"
        aria-label="Search commands"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={matches.length ? optionId(current) : undefined}
        placeholder="Type a command…"
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setSelected(0);
        }}
        onKeyDown={onKeyDown}
        spellCheck={false}
        autoComplete="off"
        data-autofocus
      />
      <ul className="palette__list" id={listId} role="listbox" aria-label="Commands">
        {matches.map((action, index) => {
          const enabled = actions.isEnabled(action.id, studio);
          return (
            <li
              key={action.id}
              id={optionId(index)}
              className="palette__option"
              role="option"
              aria-selected={index === current}
              aria-disabled={!enabled}
              onMouseMove={() => index !== current && setSelected(index)}
              onClick={() => run(action.id)}
            >
              <span className="palette__category">{action.category}:</span>
              <span className="palette__label">{action.label}</span>
              <span className="kbd">{actions.shortcutLabels(action.id).join('  ')}</span>
            </li>
          );
        })}
      </ul>
      {matches.length === 0 && <div className="palette__empty">No command matches “{query}”.</div>}
    </Dialog>
  );
}
