import { describe, expect, it } from 'vitest';
import {
  PreviewScheduler,
  type Clock,
  type PreviewJob,
  type PreviewQuality,
  type PreviewResultInfo,
} from '../../src/renderer/src/workspaces/translate/preview-scheduler';

/** A manual clock: timers fire only when the test advances time. */
class FakeClock implements Clock {
  private t = 0;
  private nextId = 1;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
      if (due.length === 0) break;
      const [id, timer] = due[0]!;
      this.timers.delete(id);
      this.t = timer.at;
      timer.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** A fake engine: each job resolves when the test says so. */
class FakeEngine {
  readonly jobs: {
    input: string;
    quality: PreviewQuality;
    cancelled: boolean;
    resolve: (v: string) => void;
    reject: (e: unknown) => void;
  }[] = [];
  start = (input: string, quality: PreviewQuality): PreviewJob<string> => {
    let resolve!: (v: string) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<string>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const job = { input, quality, cancelled: false, resolve, reject };
    this.jobs.push(job);
    return {
      result,
      cancel: () => {
        job.cancelled = true;
        reject(Object.assign(new Error('cancelled'), { code: 'cancelled' }));
      },
    };
  };
  last() {
    return this.jobs.at(-1)!;
  }
}

function setup(opts: { debounceMs?: number; settleMs?: number; wantsDraft?: (i: string) => boolean } = {}) {
  const clock = new FakeClock();
  const engine = new FakeEngine();
  const shown: { result: string; info: PreviewResultInfo }[] = [];
  const errors: unknown[] = [];
  const busy: boolean[] = [];
  const scheduler = new PreviewScheduler<string, string>({
    start: engine.start,
    onResult: (result, info) => shown.push({ result, info }),
    onError: (e) => errors.push(e),
    onBusy: (b) => busy.push(b),
    debounceMs: opts.debounceMs ?? 30,
    settleMs: opts.settleMs ?? 300,
    wantsDraft: opts.wantsDraft,
    clock,
  });
  return { clock, engine, shown, errors, busy, scheduler };
}

describe('PreviewScheduler', () => {
  it('debounces a burst of changes into one draft job for the latest input', async () => {
    const { clock, engine, scheduler } = setup();
    for (let i = 0; i < 10; i++) {
      scheduler.update(`stroke ${i}`);
      await clock.advance(10);
    }
    expect(engine.jobs).toHaveLength(0);
    await clock.advance(25);
    expect(engine.jobs.map((j) => [j.input, j.quality])).toEqual([['stroke 9', 'draft']]);
  });

  it('shows the draft first and the full preview once input stops, with latencies', async () => {
    const { clock, engine, shown, busy, scheduler } = setup();
    scheduler.update('photo');
    await clock.advance(30);
    await clock.advance(20);
    engine.last().resolve('draft png');
    await flush();
    expect(shown).toEqual([{ result: 'draft png', info: { seq: 1, quality: 'draft', latencyMs: 50, final: false } }]);
    expect(engine.jobs).toHaveLength(1); // full waits for the settle time
    await clock.advance(250);
    expect(engine.last().quality).toBe('full');
    await clock.advance(100);
    engine.last().resolve('full png');
    await flush();
    expect(shown[1]).toEqual({ result: 'full png', info: { seq: 1, quality: 'full', latencyMs: 400, final: true } });
    expect(busy).toEqual([true, false]);
  });

  it('cancels a stale job instead of queueing it, and drops its late result', async () => {
    const { clock, engine, shown, scheduler } = setup();
    scheduler.update('a');
    await clock.advance(30);
    const stale = engine.last();
    scheduler.update('b');
    expect(stale.cancelled).toBe(true);
    stale.resolve('late result for a'); // an engine that finished anyway
    await clock.advance(30);
    expect(engine.last().input).toBe('b');
    engine.last().resolve('draft b');
    await flush();
    expect(shown.map((s) => s.result)).toEqual(['draft b']);
    expect(scheduler.stats.cancelled).toBe(1);
    // Never more than one job alive at a time.
    expect(engine.jobs.filter((j) => !j.cancelled)).toHaveLength(1);
  });

  it('starts the full preview after a slow draft rather than queueing both', async () => {
    const { clock, engine, shown, scheduler } = setup();
    scheduler.update('x');
    await clock.advance(30);
    await clock.advance(1000); // settle time passes while the draft still computes
    expect(engine.jobs).toHaveLength(1);
    engine.last().resolve('draft');
    await flush();
    expect(engine.jobs.map((j) => j.quality)).toEqual(['draft', 'full']);
    engine.last().resolve('full');
    await flush();
    expect(shown.map((s) => [s.result, s.info.final])).toEqual([
      ['draft', false],
      ['full', true],
    ]);
  });

  it('goes straight to full resolution when no draft is wanted', async () => {
    const { clock, engine, scheduler } = setup({ wantsDraft: () => false });
    scheduler.update('small');
    await clock.advance(30);
    expect(engine.jobs.map((j) => j.quality)).toEqual(['full']);
    await clock.advance(1000);
    expect(engine.jobs).toHaveLength(1);
  });

  it('a change during the full preview cancels it and starts over with a draft', async () => {
    const { clock, engine, shown, scheduler } = setup();
    scheduler.update('v1');
    await clock.advance(30);
    engine.last().resolve('d1');
    await clock.advance(300);
    const full = engine.last();
    expect(full.quality).toBe('full');
    scheduler.update('v2');
    expect(full.cancelled).toBe(true);
    await clock.advance(30);
    expect([engine.last().input, engine.last().quality]).toEqual(['v2', 'draft']);
    engine.last().resolve('d2');
    await flush();
    expect(shown.at(-1)!.info.seq).toBe(2);
  });

  it('reports a failure of the current job once and does not retry at full size', async () => {
    const { clock, engine, errors, shown, busy, scheduler } = setup();
    scheduler.update('bad');
    await clock.advance(30);
    engine.last().reject(new Error('model not found: /p/models/x'));
    await clock.advance(1000);
    expect(errors.map((e) => (e as Error).message)).toEqual(['model not found: /p/models/x']);
    expect(engine.jobs).toHaveLength(1);
    expect(shown).toHaveLength(0);
    expect(busy.at(-1)).toBe(false);
  });

  it('never reports errors of cancelled jobs', async () => {
    const { clock, errors, scheduler } = setup();
    scheduler.update('a');
    await clock.advance(30);
    scheduler.update('b');
    await clock.advance(5);
    expect(errors).toHaveLength(0);
  });

  it('cancel stops the work under way, and a later change starts afresh', async () => {
    const { clock, engine, shown, busy, scheduler } = setup();
    scheduler.update('a');
    await clock.advance(30);
    scheduler.cancel();
    expect(engine.last().cancelled).toBe(true);
    await clock.advance(1000);
    expect(engine.jobs).toHaveLength(1);
    expect(busy.at(-1)).toBe(false);
    scheduler.update('b');
    await clock.advance(30);
    engine.last().resolve('draft b');
    await flush();
    expect(shown.map((s) => s.result)).toEqual(['draft b']);
  });

  it('dispose cancels the job in flight and ignores its result', async () => {
    const { clock, engine, shown, scheduler } = setup();
    scheduler.update('a');
    await clock.advance(30);
    scheduler.dispose();
    expect(engine.last().cancelled).toBe(true);
    await clock.advance(1000);
    expect(shown).toHaveLength(0);
    expect(() => scheduler.update('b')).toThrow(/disposed/);
  });
});
