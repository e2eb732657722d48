/** How the Train workspace writes numbers, durations and times. */

/** 3 significant digits, switching to exponents for very small or large values (losses, rates). */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return Number(v.toPrecision(3)).toString();
}

/** 1:02:03, 4:05, 0:07 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h >= 48) return `${Math.floor(h / 24)} d ${h % 24} h`;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export function formatRate(itPerSec: number | null | undefined): string {
  if (itPerSec === null || itPerSec === undefined || !Number.isFinite(itPerSec)) return '–';
  return itPerSec >= 1 ? `${itPerSec.toFixed(2)} it/s` : `${(1 / itPerSec).toFixed(2)} s/it`;
}

export function formatMiB(mib: number | undefined): string {
  if (mib === undefined || !Number.isFinite(mib)) return '–';
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${Math.round(mib)} MiB`;
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
