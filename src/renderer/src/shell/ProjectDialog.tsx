import { useEffect, useId, useState, type FormEvent } from 'react';
import { describeError } from '../api/errors';
import { useStore } from '../state/store';
import { Dialog } from './Dialog';
import { useStudio } from './context';
import { RecentProjects } from './RecentProjects';

/** The last segment of a path typed on any platform. */
export function folderName(path: string): string {
  return path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
}

/**
 * Create or open a project folder. The path is typed (headless mode has no native
 * dialog) or, in Electron, picked with Browse…. A failure keeps what was typed and says
 * why under the form.
 */
export function ProjectDialog({ mode }: { mode: 'new' | 'open' }) {
  const { studio } = useStudio();
  const platform = useStore(studio.session, (s) => s.info?.platform ?? studio.api.platform);
  const recent = useStore(studio.session, (s) => s.recent);
  const [dir, setDir] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const creating = mode === 'new';
  const ids = useId();

  useEffect(() => {
    if (!creating) void studio.loadRecent();
  }, [creating, studio]);

  async function run(task: () => Promise<unknown>) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await task();
      studio.closeDialog();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const path = dir.trim();
    if (!path) {
      setError('Type the path of the project folder.');
      return;
    }
    void run(() => (creating ? studio.createProject(path, name.trim()) : studio.openProject(path)));
  }

  async function browse() {
    try {
      const picked = await studio.pickDirectory(creating ? 'Folder for the new project' : 'Open a project folder');
      if (picked) setDir(picked);
    } catch (e) {
      setError(describeError(e));
    }
  }

  return (
    <Dialog title={creating ? 'New project' : 'Open project'} onClose={() => studio.closeDialog()}>
      <form className="form" onSubmit={submit} noValidate>
        <div className="field">
          <label className="field__label" htmlFor={`${ids}-dir`}>
            Project folder
          </label>
          <div className="field__row">
            <input
              id={`${ids}-dir`}
              className="input mono"
              value={dir}
              onChange={(e) => setDir(e.target.value)}
              placeholder={platform === 'electron' ? 'Choose or type a folder' : '/home/me/projects/facades'}
              aria-describedby={`${ids}-dir-hint`}
              spellCheck={false}
              autoComplete="off"
              data-autofocus
            />
            {platform === 'electron' && (
              <button type="button" className="button" onClick={() => void browse()} disabled={busy}>
                Browse…
              </button>
            )}
          </div>
          <span id={`${ids}-dir-hint`} className="field__hint">
            {creating
              ? 'A path on the machine Atelier runs on. The folder is created if missing; it must not hold a project already.'
              : 'A folder that holds an atelier.json.'}
          </span>
        </div>
        {creating && (
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-name`}>
              Name
            </label>
            <input
              id={`${ids}-name`}
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder={folderName(dir) || 'Defaults to the folder name'}
              maxLength={200}
            />
          </div>
        )}
        {error && (
          <div className="form-error" role="alert">
            {error}
          </div>
        )}
        <div className="dialog__buttons">
          <button type="button" className="button" onClick={() => studio.closeDialog()}>
            Cancel
          </button>
          {/* Never disabled: a disabled button drops keyboard focus out of the dialog. */}
          <button type="submit" className="button button--primary" aria-busy={busy}>
            {creating ? 'Create' : 'Open'}
          </button>
        </div>
      </form>
      {!creating && recent.length > 0 && (
        <div className="field">
          <span className="field__label">Recent projects</span>
          <RecentProjects projects={recent} disabled={busy} onOpen={(path) => void run(() => studio.openProject(path))} />
        </div>
      )}
    </Dialog>
  );
}
