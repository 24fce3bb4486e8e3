import { displayLockName, formatDuration, type LockInfo, type LockPartyInfo } from "@lockgate/core";
import { partyText } from "./lock-text.ts";

/** Pads columns to their widest cell; the last column is not padded. */
function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  "),
    )
    .join("\n");
}

/** "shared", "exclusive" or "limit 3" (a semaphore's permit). */
function mode(party: LockPartyInfo): string {
  if (party.limit !== undefined) return `limit ${party.limit}`;
  return party.shared ? "shared" : "exclusive";
}

/** `lockgate status`: one row per holder, then one per waiter in queue order. */
export function statusTable(locks: readonly LockInfo[], now: number): string {
  const rows: string[][] = [["NAME", "STATE", "MODE", "FOR", "TOKEN", "WHO"]];
  for (const lock of locks) {
    let name = displayLockName(lock.name);
    for (const h of lock.holders) {
      rows.push([
        name,
        "held",
        mode(h),
        formatDuration(now - h.acquiredAt),
        String(h.fencingToken),
        partyText(h),
      ]);
      name = "";
    }
    lock.waiters.forEach((w, i) => {
      rows.push([
        name,
        `waiting ${i + 1}`,
        mode(w),
        formatDuration(now - w.enqueuedAt),
        "-",
        partyText(w),
      ]);
      name = "";
    });
  }
  return `${table(rows)}\n`;
}

/** `lockgate inspect`: everything known about one lock, for a person. */
export function inspectText(lock: LockInfo, now: number): string {
  const state =
    lock.holders.length === 0
      ? "free"
      : `held (${lock.holders[0]?.limit ? `${lock.holders.length} of limit ${lock.holders[0].limit}` : lock.holders[0]?.shared ? `shared by ${lock.holders.length}` : "exclusive"})`;
  const lines = [
    `${displayLockName(lock.name)}: ${state}, ${lock.waiters.length} waiting, last fencing token ${lock.lastFencingToken}`,
  ];
  for (const h of lock.holders) {
    lines.push(
      `  holder     ${partyText(h, 400)}`,
      `             ${mode(h)}, token ${h.fencingToken}, held for ${formatDuration(now - h.acquiredAt)}, ` +
        `renewed ${formatDuration(now - h.renewedAt)} ago, lease ${h.ttl / 1000}s, id ${h.id}`,
    );
  }
  lock.waiters.forEach((w, i) => {
    lines.push(
      `  waiting ${String(i + 1).padEnd(2)} ${partyText(w, 400)}`,
      `             ${mode(w)}, waiting for ${formatDuration(now - w.enqueuedAt)}, id ${w.id}`,
    );
  });
  return `${lines.join("\n")}\n`;
}

/** `lockgate watch`: one line per change. */
export function watchLine(lock: LockInfo, now: number): string {
  const holders =
    lock.holders.length === 0
      ? "free"
      : `held by ${lock.holders.map((h) => `${partyText(h, 80)} (token ${h.fencingToken})`).join(", ")}`;
  return `${new Date(now).toISOString()} ${displayLockName(lock.name)} ${holders}, ${lock.waiters.length} waiting\n`;
}
