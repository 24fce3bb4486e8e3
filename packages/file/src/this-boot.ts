import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** Who this process is on this host. */
export interface Writer {
  readonly pid: number;
  /** The kernel's boot id: a pid from before a reboot is not mistaken for a live one. */
  readonly boot: string;
  /** The pid namespace: a pid of another container means nothing here. */
  readonly ns: string;
}

/** This process, or undefined where the kernel does not say (not Linux). */
export const thisWriter: Writer | undefined = (() => {
  try {
    return {
      pid: process.pid,
      boot: readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
      ns: readlinkSync("/proc/self/ns/pid"),
    };
  } catch {
    return undefined;
  }
})();

/** When this host booted, in wall-clock ms (Linux), or undefined. */
export const bootedAt: number | undefined = (() => {
  try {
    const match = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    return match ? Number(match[1]) * 1_000 : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * Fencing tokens of one boot stay below the next boot's floor: up to 2^32 grants of one name
 * per boot, and 2^21 boots, within the safe integers.
 */
const EPOCH_SPAN = 2 ** 32;

/**
 * A count of the boots in which this lock directory was used after a reboot, kept in
 * `.boot-epoch` and written durably once per boot. Records are written without fsync, so a
 * power cut can lose the last grants; every record written before this boot is read with a
 * fencing floor of epoch * 2^32, above every token the earlier boots could have issued.
 */
export class BootEpoch {
  readonly #path: string;
  #floor: number | undefined;

  constructor(dir: string) {
    this.#path = join(dir, ".boot-epoch");
  }

  /** The fencing floor for records written before this boot. */
  floor(): number {
    this.#floor ??= this.#advance() * EPOCH_SPAN;
    return this.#floor;
  }

  #advance(): number {
    const boot = thisWriter?.boot ?? "unknown";
    let saved: { boot?: unknown; epoch?: unknown } = {};
    try {
      saved = JSON.parse(readFileSync(this.#path, "utf8"));
    } catch {
      // Absent (first use after a reboot ever) or unreadable: start counting again.
    }
    const epoch = typeof saved.epoch === "number" ? saved.epoch : 0;
    if (saved.boot === boot) return epoch;
    const next = epoch + 1;
    // Processes that start together may both advance: they write the same number.
    const temp = `${this.#path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
    try {
      const fd = openSync(temp, "wx");
      try {
        writeFileSync(fd, JSON.stringify({ boot, epoch: next }));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.#path);
      syncDirectory(join(this.#path, ".."));
    } finally {
      rmSync(temp, { force: true });
    }
    return next;
  }
}

/** What a power cut leaves of a file whose data never reached the disk: nothing, or zeros. */
export function isCrashDebris(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== 0) return false;
  return true;
}

export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the link itself is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
