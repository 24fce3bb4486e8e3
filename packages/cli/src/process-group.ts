import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Whether any process of the group is still alive (zombies do not count: where nothing reaps
 * orphans, a dead grandchild stays a zombie in the group). Linux reads /proc; elsewhere
 * kill(-pgid, 0) answers, zombies included.
 */
export function groupAlive(pgid: number): boolean {
  // No member at all, zombies included: the common case, answered without reading /proc.
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform === "linux") {
    let entries: string[];
    try {
      entries = readdirSync("/proc");
    } catch {
      return signalGroup(pgid, 0);
    }
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue; // exited meanwhile
      }
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true;
    }
    return false;
  }
  return signalGroup(pgid, 0);
}

/** Sends `signal` to every process of the group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/**
 * A command run in its own session and process group, so that signals and a lost lease reach
 * every process it started (a shell's children too), and so that lockgate can tell when the
 * last of them is gone.
 */
export class ChildGroup {
  readonly child: ChildProcess;
  readonly pgid: number;
  readonly exited: Promise<ChildExit>;
  /** False with --no-new-group: the child shares lockgate's group and only it is signalled. */
  readonly ownsGroup: boolean;

  private constructor(child: ChildProcess, exited: Promise<ChildExit>, ownsGroup: boolean) {
    this.child = child;
    this.pgid = child.pid as number;
    this.exited = exited;
    this.ownsGroup = ownsGroup;
  }

  /** Starts `command`; rejects when it cannot be started (not found, not executable). */
  static async start(
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    newGroup: boolean,
  ): Promise<ChildGroup> {
    const child = spawn(command, args, { stdio: "inherit", env, detached: newGroup });
    const exited = new Promise<ChildExit>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    return new ChildGroup(child, exited, newGroup);
  }

  /** Passes a signal on to the whole group (or, without a group of its own, the child). */
  forward(signal: NodeJS.Signals): void {
    if (this.ownsGroup) signalGroup(this.pgid, signal);
    else if (this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill(signal);
  }

  /** Resolves once the child has exited and no process of its group is alive. */
  async gone(): Promise<void> {
    await this.exited;
    if (!this.ownsGroup) return;
    for (let pause = 5; groupAlive(this.pgid); pause = Math.min(pause * 2, 100)) await sleep(pause);
  }

  /**
   * SIGTERM to the group, SIGKILL to what is left after `graceMs`; resolves when all is gone.
   * Returns whether SIGKILL was needed.
   */
  async terminate(graceMs: number): Promise<boolean> {
    this.forward("SIGTERM");
    const graceOver = new AbortController();
    const inTime = await Promise.race([
      this.gone().then(() => true),
      sleep(graceMs, false, { signal: graceOver.signal }).catch(() => false),
    ]);
    graceOver.abort(); // a pending grace timer would keep lockgate alive after the group is gone
    if (inTime) return false;
    this.forward("SIGKILL");
    await this.gone();
    return true;
  }
}

/** The number of a signal, for the 128+n exit status. */
export function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}
