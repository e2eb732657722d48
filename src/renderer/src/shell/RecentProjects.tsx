import type { RecentProject } from '../../../shared/api/projects';

interface RecentProjectsProps {
  projects: readonly RecentProject[];
  onOpen: (path: string) => void;
  disabled?: boolean;
}

export function RecentProjects({ projects, onOpen, disabled }: RecentProjectsProps) {
  return (
    <ul className="recent" aria-label="Recent projects">
      {projects.map((project) => (
        <li key={project.path}>
          <button
            type="button"
            className="recent__item"
            onClick={() => onOpen(project.path)}
            disabled={disabled}
            title={`Opened ${new Date(project.lastOpened).toLocaleString()}`}
          >
            <span>{project.name}</span>
            <span className="recent__path mono">{project.path}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
