// Number, share, date and duration formatting for what the person reads.

const integer = new Intl.NumberFormat("en");

/** 12,345 */
export function count(n: number): string {
  return integer.format(n);
}

/** 0.4321 → "43.2 %" */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/** An ISO time as "2024-03-01 10:00 UTC", or "—". */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** Milliseconds as "850 ms", "12.3 s" or "4 min 05 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}
