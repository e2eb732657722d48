import { useStore } from '../state/store';
import { WORKSPACES } from '../state/workspaces';
import { useStudio } from './context';

/** Workspace navigation, each entry with its shortcut; the command palette at the bottom. */
export function Nav() {
  const { studio, actions } = useStudio();
  const workspace = useStore(studio.ui, (ui) => ui.workspace);
  const project = useStore(studio.session, (s) => s.project);
  return (
    <nav className="nav" aria-label="Workspaces">
      <div className="nav__brand">Atelier</div>
      <div className="nav__project" title={project?.root}>
        {project ? project.manifest.name : 'No project open'}
      </div>
      {WORKSPACES.map((w) => (
        <button
          key={w.id}
          type="button"
          className="nav__item"
          aria-current={w.id === workspace ? 'page' : undefined}
          onClick={() => void actions.perform(`workspace.${w.id}`, studio)}
        >
          <span>{w.title}</span>
          <span className="kbd">{actions.shortcutLabels(`workspace.${w.id}`)[0]}</span>
        </button>
      ))}
      <div className="nav__spacer" />
      <button type="button" className="nav__item" onClick={() => void actions.perform('project.open', studio)}>
        <span>Open project…</span>
        <span className="kbd">{actions.shortcutLabels('project.open')[0]}</span>
      </button>
      <button type="button" className="nav__item" onClick={() => void actions.perform('palette.show', studio)}>
        <span>Commands</span>
        <span className="kbd">{actions.shortcutLabels('palette.show')[0]}</span>
      </button>
    </nav>
  );
}
