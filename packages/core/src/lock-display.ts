// Characters a person cannot see or that rearrange text around them: controls, format characters
// (zero-width, bidirectional overrides), line and paragraph separators, private and unassigned.
const ODD = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const ODD_ALL = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

/**
 * A lock name as a terminal or a page may show it: as it is, or quoted with every character a
 * reader could not see (or that would reorder the text around it) written as an escape, so
 * "deploy\u202e" never looks like "deploy".
 */
export function displayLockName(name: string): string {
  if (!ODD.test(name)) return name;
  return JSON.stringify(name).replace(
    ODD_ALL,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, "0")}`,
  );
}

/** "2m13s", "45s", "1h02m": a duration as a waiting person reads it. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
