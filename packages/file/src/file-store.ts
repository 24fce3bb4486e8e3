import { createHash, randomBytes, randomUUID } from "node:crypto";
import {
  closeSync,
  type FSWatcher,
  promises as fsp,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
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
import { prepareLockDirectory } from "./lock-directory.ts";
import { BootEpoch, bootedAt, isCrashDebris, syncDirectory, thisWriter } from "./this-boot.ts";
import {
  decodeVersionFile,
  encodeVersionFile,
  type VersionFile,
  versionFileName,
  versionSeq,
} from "./version-file.ts";

export interface FileStoreOptions {
  /**
   * A writer's lock older than this many ms (at least 2000) is taken over: writers hold it for
   * microseconds, so only a stopped process keeps it that long. Safety does not rest on it; it
   * only bounds how long a stopped writer blocks (a dead one on this host is seen at once).
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
/** Key directories remembered by name. */
const KEY_DIRS = 4_096;
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
 * A writer lock per key (one more link) serialises writers so they rarely collide;
 * correctness does not depend on it.
 *
 * The record operations are small metadata calls on a local directory, made synchronously:
 * each costs microseconds, where a threadpool round trip costs about a hundred, and the
 * writer lock is held only across them. Waiting for another writer and the watch are
 * asynchronous.
 */
export class FileStore implements LockStore {
  readonly capabilities: StoreCapabilities = { watch: "latest", list: true };
  readonly dir: string;
  readonly #staleMs: number;
  readonly #pollInterval: number;
  readonly #writeTimeout: number;
  readonly #durable: boolean;
  readonly #bootEpoch: BootEpoch;
  readonly #closing = new AbortController();
  /** Key directories by key, to spare a hash per call (cleared when full). */
  readonly #keyDirs = new Map<string, string>();
  /** Key directories known to exist, to spare a mkdir per write. */
  readonly #made = new Set<string>();
  /** How often our writer lock was found taken over at unlock (this writer was paused or slow). */
  compromisedLocks = 0;
  /** Writer locks of processes found dead (same host, pid gone) and reclaimed at once. */
  reclaimedLocks = 0;

  constructor(dir: string, options: FileStoreOptions = {}) {
    prepareLockDirectory(dir);
    this.dir = dir;
    this.#staleMs = Math.max(options.staleMs ?? 10_000, 2_000);
    this.#pollInterval = options.pollInterval ?? 1_000;
    this.#writeTimeout = options.writeTimeout ?? 10_000;
    this.#durable = options.durable ?? thisWriter === undefined;
    this.#bootEpoch = new BootEpoch(dir);
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
    this.#makeKeyDir(keyDir);
    const version = uniqueName();
    // The complete record goes to disk before any lock is taken: the writer lock is a hard
    // link to this very file, so it names its owner, and the commit is a second link to it.
    const temp = this.#writeTemp(
      keyDir,
      encodeVersionFile({ key, version, value, writer: thisWriter }),
    );
    try {
      const lockPath = `${keyDir}.lock`;
      await this.#lockWriters(lockPath, temp.path);
      let stillOurs: boolean | undefined;
      try {
        const latest = this.#latest(key);
        if (latest.record.version !== expectedVersion) {
          throw new LockgateError(
            "conflict",
            `${JSON.stringify(key)} is at version ${latest.record.version ?? "absent"}, not ${expectedVersion ?? "absent"}`,
          );
        }
        const floor = latest.record.floor;
        if (floor !== undefined && value !== null && tokenOf(value) < floor) {
          // A writer that assumed the key new, or remembered it from before the floor: the
          // Locker reads again, and its record goes on from the floor.
          throw new LockgateError(
            "conflict",
            `${JSON.stringify(key)}: the record's fencing counter must go on at or above ${floor}`,
          );
        }
        const seq = latest.seq + 1;
        stillOurs = await this.#commit(keyDir, seq, temp.path, this.#ownsLock(lockPath, temp.ino));
        this.#cleanUp(keyDir, latest.names, seq);
        return value === null ? null : version;
      } finally {
        this.#unlockWriters(lockPath, stillOurs ?? this.#ownsLock(lockPath, temp.ino));
      }
    } finally {
      rmSync(temp.path, { force: true });
    }
  }

  async *watch(key: string, signal: AbortSignal): AsyncIterable<StoreRecord> {
    this.#assertOpen();
    const keyDir = this.#keyDir(key);
    this.#makeKeyDir(keyDir);
    let dirty = true;
    let wake: () => void = () => {};
    const poke = () => {
      dirty = true;
      wake();
    };
    /** The newest version read: a change is a newer version file, nothing else in the directory. */
    let seen = 0;
    const onEntry = (_event: string, name: string | Buffer | null) => {
      if (typeof name === "string") {
        const seq = versionSeq(name);
        // Temporary files, and old versions cleaned up: each write made three more events.
        if (seq === undefined ? name.startsWith(".tmp-") : seq <= seen) return;
      }
      poke();
    };
    // Watch first, read second: a change between the two is then seen, never lost.
    let watcher: FSWatcher | undefined;
    try {
      watcher = watchDirectory(keyDir, onEntry);
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
        this.#assertOpen();
        const latest = this.#latest(key);
        const record = latest.record;
        seen = latest.seq;
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
    let keyDir = this.#keyDirs.get(key);
    if (keyDir === undefined) {
      keyDir = join(this.dir, createHash("sha256").update(key, "utf8").digest("hex"));
      if (this.#keyDirs.size >= KEY_DIRS) this.#keyDirs.clear();
      this.#keyDirs.set(key, keyDir);
    }
    return keyDir;
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
      // A power cut took this record's data (records are written without fsync): whoever
      // held or waited then is gone with that boot; tokens go on above the boot floor.
      if (isCrashDebris(text) && writtenBeforeBoot(path)) {
        return { seq, record: { ...ABSENT, floor: this.#bootEpoch.floor() }, names, key };
      }
      const file = decodeVersionFile(text, path, key);
      const record = file.value === null ? ABSENT : { value: file.value, version: file.version };
      // Written before this boot: the grants of its last moments may be lost with the power.
      if (thisWriter && file.writer?.boot !== thisWriter.boot) {
        return { seq, record: { ...record, floor: this.#bootEpoch.floor() }, names, key: file.key };
      }
      return { seq, record, names, key: file.key };
    }
    throw new LockgateError("store-unavailable", `${keyDir} kept changing while being read`);
  }

  /**
   * Links the complete temporary file to the version's name: create-if-absent. `stillOurs`
   * tells, after the link, whether our writer lock stood throughout; resolves to it.
   */
  async #commit(
    keyDir: string,
    seq: number,
    temp: string,
    stillOurs: () => boolean,
  ): Promise<boolean> {
    const target = join(keyDir, versionFileName(seq));
    try {
      // fs.promises.link is looked up at call time so that tests can pause a writer here.
      if (fsp.link === originalLink) linkSync(temp, target);
      else await fsp.link(temp, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EEXIST: another writer committed this version first (its writer lock went stale
      // under us, say). ENOENT: the key's directory was removed while we were paused. Both: retry.
      if (code === "EEXIST" || code === "ENOENT") {
        throw new LockgateError(
          "conflict",
          `Version ${seq} of ${keyDir} was committed by another writer`,
        );
      }
      throw unavailable("commit", target, error);
    }
    // With our lock in place throughout, nobody else committed since we read: the slot was
    // never used before. Otherwise a writer paused long enough can find its slot free again:
    // taken, superseded and cleaned up while it slept. Then newer versions exist, and this
    // commit must not count.
    const held = stillOurs();
    if (!held) {
      const names = this.#sync(() => readdirSync(keyDir), "read", keyDir);
      if (names.some((name) => (versionSeq(name) ?? 0) > seq)) {
        rmSync(target, { force: true });
        throw new LockgateError(
          "conflict",
          `Version ${seq} of ${keyDir} was superseded while this writer was paused`,
        );
      }
    }
    if (this.#durable) syncDirectory(keyDir);
    return held;
  }

  #makeKeyDir(keyDir: string): void {
    if (this.#made.has(keyDir)) return;
    this.#sync(() => mkdirSync(keyDir, { recursive: true }), "create", keyDir);
    this.#made.add(keyDir);
  }

  /** A new temporary file in the key's directory holding `content`, and its inode. */
  #writeTemp(keyDir: string, content: string): { path: string; ino: number } {
    const path = join(keyDir, `.tmp-${process.pid}-${uniqueName()}`);
    try {
      const fd = openSync(path, "wx");
      try {
        writeFileSync(fd, content, "utf8");
        if (this.#durable) fsyncSync(fd);
        return { path, ino: fstatSync(fd).ino };
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      // Someone removed the key's directory (by hand, to free a lock): make it again once.
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && this.#made.delete(keyDir)) {
        this.#makeKeyDir(keyDir);
        return this.#writeTemp(keyDir, content);
      }
      throw unavailable("write", path, error);
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

  /**
   * The key's writer lock: `<key dir>.lock`, a hard link to this write's temporary file, so
   * taking it is one link() that fails if the name exists, and it names its owner (the file's
   * `writer`). Held only while a record is compared and committed: tens of microseconds of
   * synchronous calls. A lock whose owner is dead (this host, pid gone) or that is older than
   * staleMs (a stopped owner) is moved aside; correctness never rests on the lock: each commit
   * is a link() to a new version's name, a true compare-and-swap.
   */
  async #lockWriters(lockPath: string, temp: string): Promise<void> {
    const started = systemClock.now();
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, lockPath);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST")
          throw unavailable("lock", lockPath, error);
      }
      if (this.#reclaimIfAbandoned(lockPath)) {
        this.reclaimedLocks++;
        continue;
      }
      if (systemClock.now() - started > this.#writeTimeout) {
        throw new LockgateError(
          "store-unavailable",
          `Another process kept ${lockPath} for over ${formatMs(this.#writeTimeout)}`,
        );
      }
      await delay(systemClock, backoffDelay(attempt, { base: 1, cap: 20 }));
    }
  }

  /**
   * Moves a writer lock aside when its owner provably died on this host (its note names this
   * boot and pid namespace and a pid that no longer exists), or when it is older than
   * staleMs. By rename, never delete-then-create (proper-lockfile #121): of several
   * reclaimers only one rename succeeds. A live lock moved by mistake (taken between our look
   * and the rename) is not put back: its owner sees that at its unlock and counts it
   * compromised, and its commit is still a compare-and-swap.
   */
  #reclaimIfAbandoned(lockPath: string): boolean {
    let stat: Stats | undefined;
    let owner: { pid?: unknown; boot?: unknown; ns?: unknown } | undefined;
    try {
      stat = lstatSync(lockPath);
      // A directory is an older lockgate's proper-lockfile lock: judged by age alone.
      if (stat.isFile()) owner = (JSON.parse(readFileSync(lockPath, "utf8")) as VersionFile).writer;
    } catch {
      // Released meanwhile (ENOENT), or a note still being written: look again next time.
      if (!stat) return false;
    }
    const age = Date.now() - Math.max(stat.ctimeMs, stat.mtimeMs);
    if (!(ownerIsDead(owner) || age > this.#staleMs)) return false;
    const grave = `${lockPath}.dead-${randomUUID()}`;
    try {
      renameSync(lockPath, grave);
    } catch {
      return false; // released or reclaimed meanwhile: the next attempt sees
    }
    rmSync(grave, { recursive: true, force: true });
    return true;
  }

  /** A check that the writer lock at `lockPath` is still the link to our temporary file. */
  #ownsLock(lockPath: string, ino: number): () => boolean {
    return () => lstatSync(lockPath, { throwIfNoEntry: false })?.ino === ino;
  }

  /** Removes our writer lock, unless it was reclaimed while we were stopped. */
  #unlockWriters(lockPath: string, stillOurs: boolean | (() => boolean)): void {
    if (stillOurs === false || (typeof stillOurs === "function" && !stillOurs())) {
      this.compromisedLocks++;
      return;
    }
    rmSync(lockPath, { force: true });
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

/** This process's random tag: with a counter, names no other write of any process has used. */
const writeTag = randomBytes(8).toString("base64url");
let writeCount = 0;

function uniqueName(): string {
  writeCount++;
  return `${writeTag}${writeCount.toString(36)}`;
}

/** Whether the writer named by a lock's note died on this host (same boot and pid namespace). */
function ownerIsDead(owner: { pid?: unknown; boot?: unknown; ns?: unknown } | undefined): boolean {
  const self = thisWriter;
  if (!self || !owner) return false;
  if (owner.boot !== self.boot || owner.ns !== self.ns || typeof owner.pid !== "number")
    return false;
  return owner.pid !== self.pid && !isAlive(owner.pid);
}

/** A lockgate record's fencing counter; +Infinity for any other value (a foreign format's). */
function tokenOf(value: string): number {
  try {
    const token = (JSON.parse(value) as { token?: unknown }).token;
    return typeof token === "number" ? token : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Whether the file was last changed before this host booted. */
function writtenBeforeBoot(path: string): boolean {
  if (bootedAt === undefined) return false;
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat !== undefined && stat.mtimeMs < bootedAt;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
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
