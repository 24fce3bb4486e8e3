import {
  displayLockName,
  formatDuration,
  type LockHolderInfo,
  type LockInfo,
  type LockPartyInfo,
} from "@lockgate/core";

/** A holder or waiter as one short text: its value, else its acquirer id, else its lease id. */
export function partyText(party: LockPartyInfo, max = 120): string {
  const text =
    party.value !== undefined
      ? JSON.stringify(party.value)
      : (party.acquirerId ?? `lease ${party.id.slice(0, 8)}`);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function holdersText(holders: readonly LockHolderInfo[], now: number): string {
  const [first] = holders;
  if (!first) return "free, being handed over";
  if (holders.length === 1) {
    return `held by ${partyText(first)} for ${formatDuration(now - first.acquiredAt)}`;
  }
  const shown = holders.slice(0, 2).map((h) => partyText(h, 60));
  return `held by ${holders.length} shared holders (${shown.join(", ")}${holders.length > 2 ? ", …" : ""})`;
}

/**
 * "waiting for deploy/prod: held by {"host":"runner-7"} for 2m13s, 3 ahead of you". `me` is
 * this process's acquirer id, which finds our place in the queue.
 */
export function waitLine(info: LockInfo, me: string, now: number): string {
  const mine = info.waiters.findIndex((w) => w.acquirerId === me);
  const ahead = mine < 0 ? info.waiters.length : mine;
  const place = ahead === 0 ? "next in line" : `${ahead} ahead of you`;
  return `waiting for ${displayLockName(info.name)}: ${holdersText(info.holders, now)}, ${place}`;
}

/** Which holders there are, to notice a change of holder. */
export function holderKey(info: LockInfo): string {
  return info.holders.map((h) => h.id).join(",");
}
