import { closeSync, mkdirSync, openSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { syncDirectory } from "./this-boot.ts";

/**
 * The fencing counter every lock name of a directory goes on from once its own record may have
 * been compacted away: above every token of every record removed. Kept as empty files named by
 * number in `<lock dir>/.floors`, the floor being the greatest. Raising it only ever creates a
 * greater name, then removes smaller ones: two compactors raising it at once can never leave it
 * lower than either wanted (a single file rewritten in place could go back down). Durable
 * (fsync of the directory) before any record is removed, since records outlive a power cut only
 * as the floor that replaced them.
 */
export class CompactionFloor {
  readonly #path: string;

  constructor(lockDir: string) {
    this.#path = join(lockDir, ".floors");
  }

  /** The floor now: 0 until a record was compacted. A readdir of a tiny directory. */
  read(): number {
    let names: string[];
    try {
      names = readdirSync(this.#path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw error;
    }
    let floor = 0;
    for (const name of names) {
      if (/^\d{1,16}$/.test(name)) floor = Math.max(floor, Number(name));
    }
    return floor;
  }

  /** Makes the floor at least `to`, durably, before returning. */
  raise(to: number): void {
    if (this.read() >= to) return;
    mkdirSync(this.#path, { recursive: true });
    syncDirectory(join(this.#path, ".."));
    const mark = join(this.#path, String(to));
    closeSync(openSync(mark, "a"));
    syncDirectory(this.#path);
    for (const name of readdirSync(this.#path)) {
      if (/^\d{1,16}$/.test(name) && Number(name) < to)
        rmSync(join(this.#path, name), { force: true });
    }
  }
}
