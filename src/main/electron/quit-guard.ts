/**
 * Things that should make the app ask before quitting (a training run, unsaved label
 * maps). Each area adds a check returning a reason, or null when quitting is safe; the
 * window asks once, listing every reason.
 */
export type QuitCheck = () => string | null;

export class QuitGuard {
  private readonly checks = new Set<QuitCheck>();

  /** Add a check; returns the function that removes it. */
  add(check: QuitCheck): () => void {
    this.checks.add(check);
    return () => this.checks.delete(check);
  }

  /** The reasons to confirm before quitting; empty when quitting is safe. */
  reasons(): string[] {
    const out: string[] = [];
    for (const check of this.checks) {
      const reason = check();
      if (reason) out.push(reason);
    }
    return out;
  }
}

export const quitGuard = new QuitGuard();

/** Job kinds whose loss on quit costs the user real work. */
export const LONG_JOB_KINDS: ReadonlySet<string> = new Set(['train']);

/** A check that blocks quitting while a long job (training) is queued or running. */
export function longJobCheck(jobs: () => { jobId: string; kind: string }[]): QuitCheck {
  return () => {
    const long = jobs().filter((j) => LONG_JOB_KINDS.has(j.kind));
    if (long.length === 0) return null;
    return long.length === 1
      ? `A ${long[0].kind} job is running; quitting stops it (checkpoints already saved are kept).`
      : `${long.length} training jobs are queued or running; quitting stops them (checkpoints already saved are kept).`;
  };
}
