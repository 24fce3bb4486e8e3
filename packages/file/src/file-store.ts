import { createHash, randomBytes, randomUUID } from "node:crypto";
import {
  closeSync,
  type FSWatcher,
  promises as fsp,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  watch as watchDirectory,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  backoffDelay,
  closedError,
  delay,
  formatMs,
  LockgateError,
  type LockStore,
  type StoreCapabilities,
  type StoreRecord,
  systemClock,
} from "@lockgate/core";
import { lock as lockFile } from "proper-lockfile";
import { prepareLockDirectory } from "./lock-directory.ts";
import {
  decodeVersionFile,
  encodeVersionFile,
  versionFileName,
  versionSeq,
} from "./version-file.ts";

export interface FileStoreOptions {
  /**
   * proper-lockfile's stale period in ms (at least 2000): a writer's lock older than this is
   * taken over. Safety does not rest on it; it only bounds how long a crashed writer blocks.
   * Default 10 000.
   */
  staleMs?: number;
  /** Poll period in ms behind fs.watch, for file systems where watching is unreliable. Default 1000. */
  pollInterval?: number;
  /** How long a write waits for another process's write before failing. Default 10 000 ms. */
  writeTimeout?: number;
  /** fsync each version file and its directory, so a power cut cannot lose a grant. Default true. */
  durable?: boolean;
}

const ABSENT: StoreRecord = { value: null, version: null };
/** Temporary files of writers that died are removed after this long. */
const ORPHAN_TEMP_AGE = 60_000;

interface Latest {
  readonly seq: number;
  readonly record: StoreRecord;
  readonly names: readonly string[];
}

/**
 * A LockStore in a directory shared by the processes of one host. Each key is a directory of
 * numbered version files. A write is committed by hard-linking a complete temporary file to the
 * next number: link() creates the name atomically and fails if it exists, so two writers that
 * read the same version can never both commit, and no reader ever sees a torn record.
 * proper-lockfile serialises writers so they rarely collide; correctness does not depend on it.
 *
 * The record operations are small metadata calls on a local directory, made synchronously:
 * each costs tens of microseconds, where a threadpool round trip costs about a hundred, and
 * the writer lock is held for less time. The lock and the watch stay asynchronous.
 */
export class FileStore implements LockStore {
  readonly capabilities: StoreCapabilities = { watch: "latest", list: true };
  readonly dir: string;
  readonly #staleMs: number;
  readonly #pollInterval: number;
  readonly #writeTimeout: number;
  readonly #durable: boolean;
  readonly #closing = new AbortController();
  /** Key directories known to exist, to spare a mkdir per write. */
  readonly #made = new Set<string>();
  /** How often proper-lockfile reported a writer lock compromised (a paused or slow writer). */
  compromisedLocks = 0;
  /** Writer locks of processes found dead (same host, pid gone) and reclaimed at once. */
  reclaimedLocks = 0;

  constructor(dir: string, options: FileStoreOptions = {}) {
    prepareLockDirectory(dir);
    this.dir = dir;
    this.#staleMs = Math.max(options.staleMs ?? 10_000, 2_000);
    this.#pollInterval = options.pollInterval ?? 1_000;
    this.#writeTimeout = options.writeTimeout ?? 10_000;
    this.#durable = options.durable ?? true;
  }

  async get(key: string): Promise<StoreRecord> {
    this.#assertOpen();
    return this.#latest(key).record;
  }

  async put(
    key: string,
    value: string | null,
    expectedVersion: string | null,
  ): Promise<string | null> {
    this.#assertOpen();
    const keyDir = this.#keyDir(key);
    await this.#makeKeyDir(keyDir);
    const unlock = await this.#lockWriters(keyDir);
    try {
      const latest = this.#latest(key);
      if (latest.record.version !== expectedVersion) {
        throw new LockgateError(
          "conflict",
          `${JSON.stringify(key)} is at version ${latest.record.version ?? "absent"}, not ${expectedVersion ?? "absent"}`,
        );
      }
      const seq = latest.seq + 1;
      const version = `${seq}.${randomBytes(6).toString("hex")}`;
      await this.#commit(keyDir, seq, encodeVersionFile({ key, version, value }));
      this.#cleanUp(keyDir, latest.names, seq);
      return value === null ? null : version;
    } finally {
      await unlock();
    }
  }

  async *watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    this.#assertOpen();
    const keyDir = this.#keyDir(key);
    await this.#makeKeyDir(keyDir);
    let dirty = true;
    let wake: () => void = () => {};
    const poke = () => {
      dirty = true;
      wake();
    };
    // Watch first, read second: a change between the two is then seen, never lost.
    let watcher: FSWatcher | undefined;
    try {
      watcher = watchDirectory(keyDir, poke);
      watcher.on("error", () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined; // no watching here (inotify limits, exotic file systems): poll only
    }
    const poller = setInterval(poke, this.#pollInterval);
    const stop = () => wake();
    signal.addEventListener("abort", stop);
    this.#closing.signal.addEventListener("abort", stop);
    try {
      let last: string | null | undefined;
      while (!signal.aborted && !this.#closing.signal.aborted) {
        if (!dirty) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        dirty = false;
        const record = await this.get(key);
        if (last === undefined || record.version !== last) {
          last = record.version;
          yield record;
        }
      }
    } finally {
      watcher?.close();
      clearInterval(poller);
      signal.removeEventListener("abort", stop);
      this.#closing.signal.removeEventListener("abort", stop);
    }
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen();
    const entries = this.#sync(
      () => readdirSync(this.dir, { withFileTypes: true }),
      "list",
      this.dir,
    );
    const keys: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || !/^[0-9a-f]{64}$/.test(entry.name)) continue;
      const found = this.#readLatest(join(this.dir, entry.name), undefined);
      if (found.key !== undefined && found.record.value !== null && found.key.startsWith(prefix)) {
        keys.push(found.key);
      }
    }
    return keys;
  }

  async close(): Promise<void> {
    this.#closing.abort();
  }

  /** The directory of `key`: a hash, so no name can escape the directory or collide. */
  #keyDir(key: string): string {
    return join(this.dir, createHash("sha256").update(key, "utf8").digest("hex"));
  }

  #latest(key: string): Latest {
    const { key: _found, ...latest } = this.#readLatest(this.#keyDir(key), key);
    return latest;
  }

  #readLatest(keyDir: string, key: string | undefined): Latest & { key?: string } {
    for (let attempt = 0; attempt < 20; attempt++) {
      let names: string[];
      try {
        names = readdirSync(keyDir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT")
          return { seq: 0, record: ABSENT, names: [] };
        throw unavailable("read", keyDir, error);
      }
      let seq = 0;
      for (const name of names) seq = Math.max(seq, versionSeq(name) ?? 0);
      if (seq === 0) return { seq: 0, record: ABSENT, names };
      const path = join(keyDir, versionFileName(seq));
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (error) {
        // A writer cleaned this version up after committing a newer one: look again.
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw unavailable("read", path, error);
      }
      const file = decodeVersionFile(text, path, key);
      const record = file.value === null ? ABSENT : { value: file.value, version: file.version };
      return { seq, record, names, key: file.key };
    }
    throw new LockgateError("store-unavailable", `${keyDir} kept changing while being read`);
  }

  /** Writes a complete temporary file, then links it to the version's name: create-if-absent. */
  async #commit(keyDir: string, seq: number, content: string): Promise<void> {
    const temp = join(keyDir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
    const target = join(keyDir, versionFileName(seq));
    try {
      this.#writeTemp(keyDir, temp, content);
      try {
        // fs.promises.link is looked up at call time so that tests can pause a writer here.
        if (fsp.link === originalLink) linkSync(temp, target);
        else await fsp.link(temp, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // EEXIST: another writer committed this version first (its writer lock went stale
        // under us, say). ENOENT: our temp file was reaped while we were paused. Both: retry.
        if (code === "EEXIST" || code === "ENOENT") {
          throw new LockgateError(
            "conflict",
            `Version ${seq} of ${keyDir} was committed by another writer`,
          );
        }
        throw unavailable("commit", target, error);
      }
      // A writer paused long enough can find its slot free again: taken, superseded and
      // cleaned up while it slept. Then newer versions exist, and this commit must not count.
      const names = this.#sync(() => readdirSync(keyDir), "read", keyDir);
      if (names.some((name) => (versionSeq(name) ?? 0) > seq)) {
        rmSync(target, { force: true });
        throw new LockgateError(
          "conflict",
          `Version ${seq} of ${keyDir} was superseded while this writer was paused`,
        );
      }
      if (this.#durable) syncDirectory(keyDir);
    } finally {
      rmSync(temp, { force: true });
    }
  }

  #makeKeyDir(keyDir: string): void {
    if (this.#made.has(keyDir)) return;
    this.#sync(() => mkdirSync(keyDir, { recursive: true }), "create", keyDir);
    this.#made.add(keyDir);
  }

  #writeTemp(keyDir: string, temp: string, content: string): void {
    try {
      const fd = openSync(temp, "wx");
      try {
        writeFileSync(fd, content, "utf8");
        if (this.#durable) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      // Someone removed the key's directory (by hand, to free a lock): make it again once.
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && this.#made.delete(keyDir)) {
        this.#makeKeyDir(keyDir);
        this.#writeTemp(keyDir, temp, content);
        return;
      }
      throw unavailable("write", temp, error);
    }
  }

  /** Removes versions older than `seq` and temporary files of writers that died. */
  #cleanUp(keyDir: string, names: readonly string[], seq: number): void {
    for (const name of names) {
      const n = versionSeq(name);
      const path = join(keyDir, name);
      try {
        if (n !== undefined && n < seq) rmSync(path, { force: true });
        else if (
          name.startsWith(".tmp-") &&
          Date.now() - statSync(path).mtimeMs > ORPHAN_TEMP_AGE
        ) {
          rmSync(path, { force: true });
        }
      } catch {
        // Gone already, or not ours to remove: cleaning up is best effort.
      }
    }
  }

  /** proper-lockfile's lock on the key, retried with short jittered backoff. */
  async #lockWriters(keyDir: string): Promise<() => Promise<void>> {
    const started = systemClock.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const release = await lockFile(keyDir, {
          realpath: false,
          lockfilePath: `${keyDir}.lock`,
          stale: this.#staleMs,
          retries: 0,
          // proper-lockfile throws this from a timer by default, which would crash the process.
          // A compromised writer lock only costs a conflict: link() keeps the record safe.
          onCompromised: () => {
            this.compromisedLocks++;
          },
        });
        noteOwner(`${keyDir}.lock`);
        return async () => {
          await release().catch(() => {}); // already released or compromised: nothing to undo
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ELOCKED")
          throw unavailable("lock", `${keyDir}.lock`, error);
        if (reclaimIfOwnerDead(`${keyDir}.lock`)) {
          this.reclaimedLocks++;
          continue;
        }
        if (systemClock.now() - started > this.#writeTimeout) {
          throw new LockgateError(
            "store-unavailable",
            `Another process kept ${keyDir}.lock for over ${formatMs(this.#writeTimeout)}`,
            { cause: error },
          );
        }
        await delay(systemClock, backoffDelay(attempt, { base: 1, cap: 20 }));
      }
    }
  }

  #sync<T>(fn: () => T, what: string, path: string): T {
    try {
      return fn();
    } catch (error) {
      throw unavailable(what, path, error);
    }
  }

  #assertOpen(): void {
    if (this.#closing.signal.aborted) {
      throw closedError("The file store");
    }
  }
}

const originalLink = fsp.link;

/**
 * Who this process is on this host: its pid, the kernel's boot id (so a pid from before a reboot
 * is not mistaken for a live one) and its pid namespace (a pid of another container means
 * nothing here). Undefined where the kernel does not say (not Linux): staleMs alone then.
 */
const self: { pid: number; boot: string; ns: string } | undefined = (() => {
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

/**
 * Beside a writer lock just taken, who took it: `<lock>.owner`, naming the lock directory's
 * inode, so a note left by an earlier owner is never read as this lock's.
 */
function noteOwner(lockPath: string): void {
  if (!self) return;
  try {
    const owner = { ...self, ino: statSync(lockPath).ino };
    const temp = `${lockPath}.owner.${process.pid}`;
    writeFileSync(temp, JSON.stringify(owner));
    renameSync(temp, `${lockPath}.owner`);
  } catch {
    // Best effort: without a note, a dead owner's lock is taken over after staleMs.
  }
}

/**
 * A writer lock whose owner is provably dead (its note names this very lock directory, this
 * boot and pid namespace, and a pid that no longer exists) is moved out of the way at once
 * instead of blocking every writer for staleMs. Moved by rename, never deleted and re-created
 * (proper-lockfile #121): of several reclaimers only one rename succeeds, and the others retry
 * the lock as usual. Had a live writer taken the lock in between, it would see its lock
 * compromised, which costs it a conflict at most: each commit is a link(), a true CAS.
 */
function reclaimIfOwnerDead(lockPath: string): boolean {
  if (!self) return false;
  let owner: { pid?: unknown; boot?: unknown; ns?: unknown; ino?: unknown };
  try {
    owner = JSON.parse(readFileSync(`${lockPath}.owner`, "utf8"));
    if (owner.ino !== statSync(lockPath).ino) return false;
  } catch {
    return false;
  }
  if (owner.boot !== self.boot || owner.ns !== self.ns || typeof owner.pid !== "number")
    return false;
  if (owner.pid === self.pid || isAlive(owner.pid)) return false;
  const grave = `${lockPath}.dead-${randomUUID()}`;
  try {
    renameSync(lockPath, grave);
  } catch {
    return false; // released or reclaimed meanwhile: the next attempt sees
  }
  rmSync(grave, { recursive: true, force: true });
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
  }
}

function syncDirectory(dir: string): void {
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

function unavailable(what: string, path: string, cause: unknown): LockgateError {
  if (cause instanceof LockgateError) return cause;
  const code = (cause as NodeJS.ErrnoException).code ?? "error";
  const permanent = code === "EACCES" || code === "EPERM" || code === "EROFS";
  return new LockgateError("store-unavailable", `Cannot ${what} ${path} (${code})`, {
    cause,
    retryable: !permanent,
  });
}
