/**
 * The three tours of the demo project, as cards: one click opens the demo (copied to the
 * user's data folder on first use) and the workspace, ready to use. Shown on the start
 * page and in the welcome dialog.
 */
import { useStore } from '../../state/store';
import { useStudio } from '../context';
import { firstRunFor } from './state';
import { TOURS } from './tours';
import './first-run.css';

export function DemoTours() {
  const { studio } = useStudio();
  const firstRun = firstRunFor(studio);
  const running = useStore(firstRun.store, (s) => s.running);
  const error = useStore(firstRun.store, (s) => s.error);
  return (
    <section className="tours" aria-labelledby="tours-title">
      <h2 id="tours-title" className="tours__title">
        Try it on the demo project
      </h2>
      <p className="tours__hint">
        Small models trained by Atelier on generated images, quick enough to run live on any computer. Your changes go to
        your own copy of the demo.
      </p>
      <ul className="tours__list">
        {TOURS.map((tour, index) => (
          <li key={tour.id}>
            <button
              type="button"
              className="tour"
              disabled={running !== null}
              aria-busy={running === tour.id}
              onClick={() => void firstRun.start(tour.id)}
            >
              <span className="tour__step" aria-hidden="true">
                {index + 1}
              </span>
              <span className="tour__title">{tour.title}</span>
              <span className="tour__text">{running === tour.id ? 'Opening the demo…' : tour.description}</span>
            </button>
          </li>
        ))}
      </ul>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
