/** Pausing a running engine job between steps (engine/jobs/pause-gate.ts), as a training run uses it. */
import { describe, expect, it } from 'vitest';
import { PauseGate } from '../../src/main/engine/jobs/pause-gate';

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 10));
  return done;
};

describe('PauseGate', () => {
  it('lets a job through when it is not paused', async () => {
    const waiting: boolean[] = [];
    const gate = new PauseGate(new AbortController().signal, (w) => waiting.push(w));
    expect(await settled(gate.pausePoint())).toBe(true);
    expect(waiting).toEqual([]);
  });

  it('holds the job at its next pause point until resumed, and says when it waits and goes on', async () => {
    const waiting: boolean[] = [];
    const gate = new PauseGate(new AbortController().signal, (w) => waiting.push(w));
    gate.pause();
    expect(gate.paused).toBe(true);
    const point = gate.pausePoint();
    expect(await settled(point)).toBe(false);
    expect(waiting).toEqual([true]);
    gate.resume();
    expect(await settled(point)).toBe(true);
    expect(waiting).toEqual([true, false]);
  });

  it('a resume before the pause point is reached cancels the pause', async () => {
    const gate = new PauseGate(new AbortController().signal, () => undefined);
    gate.pause();
    gate.resume();
    expect(await settled(gate.pausePoint())).toBe(true);
  });

  it('a cancel releases a paused job, so it can save and stop', async () => {
    const controller = new AbortController();
    const waiting: boolean[] = [];
    const gate = new PauseGate(controller.signal, (w) => waiting.push(w));
    gate.pause();
    const point = gate.pausePoint();
    controller.abort();
    expect(await settled(point)).toBe(true);
    expect(waiting).toEqual([true]);
    expect(await settled(gate.pausePoint())).toBe(true);
  });
});
