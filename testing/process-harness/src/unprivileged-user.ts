import { execFileSync } from "node:child_process";
import { chownSync } from "node:fs";

export interface ProcessUser {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Who runs PostgreSQL and PgBouncer: both refuse root, so as root they run as Debian's
 * `postgres` user (or `nobody`); as anyone else, as that user. Undefined: run as this process.
 */
export function unprivilegedUser(): ProcessUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    try {
      const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
      return { uid, gid };
    } catch {
      // no such user
    }
  }
  throw new Error("running as root, and neither a postgres nor a nobody user exists");
}

/** Hands `paths` to `user` (a no-op without one). */
export function giveTo(user: ProcessUser | undefined, ...paths: string[]): void {
  if (user) for (const path of paths) chownSync(path, user.uid, user.gid);
}
