import { readFileSync } from "node:fs";

export interface ChaosReport {
  readonly problems: string[];
  readonly sections: number;
  /** Writes the resource refused: stale holders caught by fencing. */
  readonly rejectedWrites: number;
  readonly pauses: number;
  readonly kills: number;
  readonly longestWaitMs: number;
}

/**
 * Judges a chaos log (workers' want/enter/leave, the resource's write decisions, the controller's
 * pause/resume/kill lines; appends are atomic, so file order is real order). Fails on: two
 * sections inside at once unless the earlier holder was paused or killed since it entered; an
 * accepted write with a token lower than one accepted before; an accepted write from a holder
 * that was paused while someone with a greater token had entered; a wait (not counting time the
 * waiter was paused) longer than `starvationBoundMs`. Wait times use the `at` stamps the lines carry.
 * `limit` above 1 judges a semaphore: up to `limit` unpaused holders may be inside at once, and
 * the token checks are left out (concurrent permits legitimately write in either order).
 */
export function checkChaosLog(logFile: string, starvationBoundMs: number, limit = 1): ChaosReport {
  const problems: string[] = [];
  const inside = new Map<string, { token: number; tainted: boolean }>();
  const pausedSince = new Map<string, number>();
  const wanting = new Map<string, { since: number; pausedMs: number }>();
  let highestAccepted = Number.NEGATIVE_INFINITY;
  let highestEntered = Number.NEGATIVE_INFINITY;
  let sections = 0;
  let rejectedWrites = 0;
  let pauses = 0;
  let kills = 0;
  let longestWaitMs = 0;
  for (const line of readFileSync(logFile, "utf8").split("\n").filter(Boolean)) {
    const [event = "", pid = "", a = "", b = ""] = line.split(" ");
    const at = Number(line.split(" ").at(-1));
    switch (event) {
      case "want":
        wanting.set(pid, { since: Number(a), pausedMs: 0 });
        break;
      case "enter": {
        const token = Number(a);
        const live = [...inside].filter(([, held]) => !held.tainted);
        if (live.length >= limit) {
          for (const [other, held] of live) {
            problems.push(
              `${pid} entered (token ${token}) while ${other} (token ${held.token}) was inside and never paused` +
                (limit > 1 ? ` (${live.length} of ${limit} permits already held)` : ""),
            );
          }
        }
        inside.set(pid, { token, tainted: false });
        highestEntered = Math.max(highestEntered, token);
        sections++;
        const wait = wanting.get(pid);
        if (wait) {
          const waited = Number(b) - wait.since - wait.pausedMs;
          longestWaitMs = Math.max(longestWaitMs, waited);
          if (waited > starvationBoundMs)
            problems.push(
              `${pid} waited ${Math.round(waited)} ms for the lock (bound ${starvationBoundMs})`,
            );
          wanting.delete(pid);
        }
        break;
      }
      case "leave":
        inside.delete(pid);
        break;
      case "write": {
        const token = Number(a);
        if (b !== "ok") {
          rejectedWrites++;
          break;
        }
        if (limit > 1) break;
        if (token < highestAccepted)
          problems.push(`the resource accepted token ${token} after ${highestAccepted}`);
        const held = inside.get(pid);
        if (held?.tainted && token < highestEntered) {
          problems.push(
            `${pid} was paused, and its stale write (token ${token}) was accepted after token ${highestEntered} entered`,
          );
        }
        highestAccepted = Math.max(highestAccepted, token);
        break;
      }
      case "pause": {
        pauses++;
        pausedSince.set(pid, at);
        const held = inside.get(pid);
        if (held) held.tainted = true;
        break;
      }
      case "resume": {
        const since = pausedSince.get(pid);
        const wait = wanting.get(pid);
        if (since !== undefined && wait) wait.pausedMs += at - since;
        pausedSince.delete(pid);
        break;
      }
      case "kill": {
        kills++;
        const held = inside.get(pid);
        if (held) held.tainted = true;
        wanting.delete(pid);
        break;
      }
    }
  }
  return { problems, sections, rejectedWrites, pauses, kills, longestWaitMs };
}
