import {
  displayLockName,
  formatDuration,
  type LockHolderInfo,
  type LockInfo,
  type LockWaiterInfo,
} from "@lockgate/core";

export interface ServerFacts {
  readonly store: string;
  readonly version: string;
  readonly startedAt: number;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

/** A value as one line: JSON, cut short; an absent one as its acquirer id or lease id. */
function who(party: LockHolderInfo | LockWaiterInfo): string {
  const text =
    party.value !== undefined
      ? JSON.stringify(party.value)
      : (party.acquirerId ?? `lease ${party.id.slice(0, 8)}`);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** A duration since `at` (wall ms) that the page's script keeps counting. */
function since(at: number, now: number): string {
  return `<time data-since="${at}">${formatDuration(now - at)}</time>`;
}

function until(at: number, now: number): string {
  const text = at > now ? `in ${formatDuration(at - now)}` : "now (overdue)";
  return `<time data-until="${at}">${text}</time>`;
}

function mode(party: LockHolderInfo | LockWaiterInfo): string {
  if (party.limit !== undefined) return `1 of ${party.limit}`;
  return party.shared ? "shared" : "exclusive";
}

function lockHtml(lock: LockInfo, now: number): string {
  const state =
    lock.holders.length === 0
      ? "free"
      : `held (${lock.holders.length === 1 ? mode(lock.holders[0] as LockHolderInfo) : `${lock.holders.length} holders`})`;
  const holders = lock.holders
    .map(
      (h) =>
        `<li><span class="who">${escapeHtml(who(h))}</span> <span class="facts">token ${h.fencingToken} · ${mode(h)} · held for ${since(h.acquiredAt, now)} · lease ${formatDuration(h.ttl)}, renewed ${since(h.renewedAt, now)} ago, ends ${until(h.expiresAt, now)}</span></li>`,
    )
    .join("");
  const waiters = lock.waiters
    .map(
      (w) =>
        `<li><span class="who">${escapeHtml(who(w))}</span> <span class="facts">${mode(w)} · waiting for ${since(w.enqueuedAt, now)}</span></li>`,
    )
    .join("");
  return `<section class="lock${lock.holders.length ? " held" : ""}"><h2>${escapeHtml(displayLockName(lock.name))} <small>${state} · last token ${lock.lastFencingToken}</small></h2>${holders ? `<h3>Holders</h3><ul class="holders">${holders}</ul>` : ""}${waiters ? `<h3>Waiting, in queue order</h3><ol class="waiters">${waiters}</ol>` : ""}</section>`;
}

/** The locks part of the page; the live stream sends exactly this. */
export function locksHtml(locks: readonly LockInfo[], prefix: string, now: number): string {
  const shown = locks.filter((l) => l.name.startsWith(prefix));
  const waiting = shown.reduce((n, l) => n + l.waiters.length, 0);
  const held = shown.filter((l) => l.holders.length > 0).length;
  const summary = `<p class="summary">${shown.length} lock${shown.length === 1 ? "" : "s"}${prefix ? ` under ${escapeHtml(JSON.stringify(prefix))}` : ""} · ${held} held · ${waiting} waiting · as of <time data-stamp="${now}">${new Date(now).toISOString()}</time></p>`;
  if (shown.length === 0) return `${summary}<p class="empty">No locks.</p>`;
  return summary + shown.map((l) => lockHtml(l, now)).join("");
}

export interface PageOptions {
  readonly facts: ServerFacts;
  readonly prefix: string;
  /** The snapshot, when the request could be shown one; else the page asks for a token. */
  readonly locks?: string;
  /** Whether the server wants a token (then the script asks for one and keeps it for the tab). */
  readonly auth: boolean;
  readonly notice?: string;
}

/** The whole page: readable as it is, and live once its script runs. */
export function pageHtml(options: PageOptions): string {
  const { facts, prefix, locks, auth, notice } = options;
  const now = Date.now();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lockgate · locks</title>
<link rel="stylesheet" href="/status.css">
<script src="/status.js" defer></script>
</head>
<body data-auth="${auth ? "token" : "off"}">
<header>
<h1>lockgate</h1>
<p class="server">store ${escapeHtml(facts.store)} · version ${escapeHtml(facts.version)} · up <time data-since="${facts.startedAt}">${formatDuration(now - facts.startedAt)}</time> · <span id="live">snapshot</span></p>
<form id="filter" method="post" action="/">
<label>Prefix <input name="prefix" value="${escapeHtml(prefix)}" placeholder="team-a/" autocomplete="off"></label>
${auth ? `<label id="token-field">Token <input name="token" type="password" autocomplete="current-password" required></label>` : ""}
<button type="submit">Show</button>
</form>
${notice ? `<p class="notice" role="alert">${escapeHtml(notice)}</p>` : ""}
</header>
<main id="locks">${locks ?? `<p class="empty">Give a token to see the locks it may read.</p>`}</main>
</body>
</html>
`;
}
