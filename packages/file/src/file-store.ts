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
  rmdirSync,
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
  jsonRecordCodec,
  LockgateError,
  type LockStore,
  type StoreCapabilities,
  type StoreRecord,
  systemClock,
} from "@lockgate/core";
import { CompactionFloor } from "./compaction-floor.ts";
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
  /**
   * fsync each version file and its directory. Default false on Linux, where a record a power
   * cut took is told by its boot id and tokens go on above a floor of that boot; true elsewhere.
   */
  durable?: boolean;
  /**
   * Every this many ms, remove the directories of lock names nobody held, waited for or wrote
   * for at least as long (see `compact`), so that many short-lived names do not pile up.
   * Default 600 000 (10 minutes); 0: never. The timer does not keep the process alive.
   */
  compactEvery?: number;
}

const ABSENT: StoreRecord = { value: null, version: null };
/** A key's directory: the SHA-256 of the key in hex. */
const KEY_DIR = /^[0-9a-f]{64}$/;
/** Key directories remembered by name. */
const KEY_DIRS = 4_096;
/** Temporary files of writers that died are removed after this long. */
const ORPHAN_TEMP_AGE = 60_000;

export interface CompactOptions {
  /** Only names whose last write is at least this old (ms). Default 60 000. */
  idleMs?: number;
}

export interface CompactResult {
  /** Key directories looked at. */
  readonly examined: number;
  /** Key directories removed: names nobody held or waited for. */
  readonly removed: number;
}

/** Thrown inside put when its temporary file vanished with a compacted key directory. */
class KeyDirGone extends Error {}

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
  readonly #floor: CompactionFloor;
  readonly #closing = new AbortController();
  /** Key directories by key, to spare a hash per call (cleared when full). */
  readonly #keyDirs = new Map<string, string>();
  /** Key directories known to exist, to spare a mkdir per write. */
  readonly #made = new Set<string>();
  /** How often our writer lock was found taken over at unlock (this writer was paused or slow). */
  compromisedLocks = 0;
  /** Writer locks of processes found dead (same host, pid gone) and reclaimed at once. */
  reclaimedLocks = 0;
  /**
   * Compactions that found a write landed during their removal and could not put the
   * directory back (another writer had made it anew meanwhile): that write is lost. Only
   * possible if this process was stopped for over staleMs between two system calls.
   */
  lostCompactions = 0;

  constructor(dir: string, options: FileStoreOptions = {}) {
    prepareLockDirectory(dir);
    this.dir = dir;
    this.#staleMs = Math.max(options.staleMs ?? 10_000, 2_000);
    this.#pollInterval = options.pollInterval ?? 1_000;
    this.#writeTimeout = options.writeTimeout ?? 10_000;
    this.#durable = options.durable ?? thisWriter === undefined;
    this.#bootEpoch = new BootEpoch(dir);
    this.#floor = new CompactionFloor(dir);
    const every = options.compactEvery ?? 600_000;
    if (!(Number.isFinite(every) && every >= 0)) {
      throw new LockgateError("invalid-argument", "compactEvery must be 0 or a number of ms");
    }
    if (every > 0) this.#compactEvery(every);
  }

  #compactEvery(every: number): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.#closing.signal.aborted) return;
      running = true;
      this.compact({ idleMs: every })
        .catch(() => {}) // best effort: the next round tries again
        .finally(() => {
          running = false;
        });
    }, every);
    timer.unref?.();
    this.#closing.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
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
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#put(key, keyDir, value, expectedVersion);
      } catch (error) {
        // The key's directory was compacted between our temporary file and our lock: write
        // it again in the new one (a compactor removes only idle names, so this is rare).
        if (!(error instanceof KeyDirGone)) throw error;
        if (attempt >= 3) throw unavailable("lock", keyDir, error.cause);
        this.#made.delete(keyDir);
      }
    }
  }

  async #put(
    key: string,
    keyDir: string,
    value: string | null,
    expectedVersion: string | null,
  ): Promise<string | null> {
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
          // Locker goes on from the floor, which this answer carries (no read needed).
          throw new LockgateError(
            "conflict",
            `${JSON.stringify(key)}: the record's fencing counter must go on at or above ${floor}`,
            { current: latest.record },
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
    /** The directory watched: a compactor may remove it, and a writer make it anew. */
    let watchedIno: number | undefined;
    const startWatching = () => {
      watcher?.close();
      watcher = undefined;
      this.#made.delete(keyDir);
      this.#makeKeyDir(keyDir);
      try {
        watchedIno = statSync(keyDir).ino;
        const started = watchDirectory(keyDir, onEntry);
        started.on("error", () => {
          started.close();
          if (watcher === started) watcher = undefined;
        });
        watcher = started;
      } catch {
        watcher = undefined; // no watching here (inotify limits, exotic file systems): poll only
      }
    };
    startWatching();
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
        // Compacted and perhaps made anew: watch the directory that is there now.
        if (statSync(keyDir, { throwIfNoEntry: false })?.ino !== watchedIno) startWatching();
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
          return { seq: 0, record: this.#absent(), names: [] };
        throw unavailable("read", keyDir, error);
      }
      let seq = 0;
      for (const name of names) seq = Math.max(seq, versionSeq(name) ?? 0);
      if (seq === 0) return { seq: 0, record: this.#absent(), names };
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
        const floor = Math.max(this.#bootEpoch.floor(), this.#floor.read());
        return { seq, record: { ...ABSENT, floor }, names, key };
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

  /** An absent key: its name may have been used and compacted, so it goes on from the floor. */
  #absent(): StoreRecord {
    const floor = this.#floor.read();
    return floor > 0 ? { ...ABSENT, floor } : ABSENT;
  }

  /**
   * Removes the directories of lock names nobody holds or waits for and nobody wrote for
   * `idleMs`, so a directory of many short-lived names stays small. Before removing one, it
   * raises the directory's floor above that record's fencing counter (durably): a name used
   * again goes on above every token it ever had. Safe beside running writers and other compactors:
   * a name is removed only while this process holds its writer lock and the name's directory
   * holds its one idle version and nothing else (a writer at work always has its temporary
   * file there); removal is a rename, after which no write can land in it, and a version that
   * landed before it (a writer whose lock had gone stale, while this process was stopped) is
   * found and the directory put back.
   */
  async compact(options: CompactOptions = {}): Promise<CompactResult> {
    this.#assertOpen();
    const idleMs = options.idleMs ?? 60_000;
    const entries = this.#sync(
      () => readdirSync(this.dir, { withFileTypes: true }),
      "list",
      this.dir,
    );
    // Our writer lock on each name is a link to this note, which names us: outside the key
    // directories, whose only entry must be the version to remove.
    const note = join(this.dir, `.tmp-compact-${process.pid}-${uniqueName()}`);
    const fd = this.#sync(() => openSync(note, "wx"), "write", note);
    let ino: number;
    try {
      writeFileSync(
        fd,
        encodeVersionFile({ key: "", version: "", value: null, writer: thisWriter }),
      );
      ino = fstatSync(fd).ino;
    } finally {
      closeSync(fd);
    }
    let examined = 0;
    let removed = 0;
    try {
      for (const entry of entries) {
        if (!entry.isDirectory() || !KEY_DIR.test(entry.name)) continue;
        if (this.#closing.signal.aborted) break;
        examined++;
        if (this.#compactKey(join(this.dir, entry.name), idleMs, note, ino)) removed++;
        // Each key is a few synchronous calls; let other work run between batches.
        if (examined % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      rmSync(note, { force: true });
    }
    return { examined, removed };
  }

  #compactKey(keyDir: string, idleMs: number, note: string, ino: number): boolean {
    const lockPath = `${keyDir}.lock`;
    try {
      // Every write adds and removes entries, which dates the directory: a cheap first look.
      if (Date.now() - Math.floor(statSync(keyDir).mtimeMs) < idleMs) return false;
      try {
        linkSync(note, lockPath);
      } catch {
        if (!this.#reclaimIfAbandoned(lockPath)) return false; // a writer at work
        linkSync(note, lockPath);
      }
      const ours = this.#ownsLock(lockPath, ino);
      try {
        return this.#removeIfIdle(keyDir, idleMs, ours);
      } finally {
        this.#unlockWriters(lockPath, ours);
      }
    } catch {
      return false; // gone meanwhile, or taken: compaction is best effort
    }
  }

  #removeIfIdle(keyDir: string, idleMs: number, ours: () => boolean): boolean {
    const names: string[] = [];
    for (const name of readdirSync(keyDir)) {
      // A temporary file this old is a dead writer's (a live one fails its link and retries).
      if (
        name.startsWith(".tmp-") &&
        Date.now() - statSync(join(keyDir, name)).mtimeMs > ORPHAN_TEMP_AGE
      ) {
        rmSync(join(keyDir, name), { force: true });
      } else names.push(name);
    }
    // No version at all (a watcher made it, say): the name reads as absent either way, and
    // rmdir removes only an empty directory, so a writer that just came in keeps it.
    if (names.length === 0) {
      rmdirSync(keyDir);
      this.#made.delete(keyDir);
      return true;
    }
    const only = names.length === 1 ? (names[0] as string) : undefined;
    if (only === undefined || versionSeq(only) === undefined) return false;
    const path = join(keyDir, only);
    // Whole ms: a file's time has a fraction that Date.now() lacks.
    if (Date.now() - Math.floor(statSync(path).mtimeMs) < idleMs) return false;
    const token = this.#idleToken(keyDir);
    if (token === undefined) return false;
    // One above: a writer that took the name for new (counter 0) grants token 1, and a put is
    // refused only below the floor, so the floor must exceed every token ever granted.
    this.#floor.raise(token + 1);
    if (!ours()) return false;
    const grave = join(this.dir, `.compacted-${uniqueName()}`);
    renameSync(keyDir, grave);
    this.#made.delete(keyDir);
    if (readdirSync(grave).some((name) => name !== only && versionSeq(name) !== undefined)) {
      // A write landed between our look and the rename (possible only if our lock was taken
      // from us while this process was stopped): the directory goes back as it is.
      try {
        renameSync(grave, keyDir);
      } catch (error) {
        this.lostCompactions++;
        throw error;
      }
      return false;
    }
    rmSync(grave, { recursive: true, force: true });
    return true;
  }

  /**
   * The fencing counter an idle lockgate record (no holders, no waiters) goes on from, read as
   * any reader would (a record of an earlier boot at that boot's floor), or undefined.
   */
  #idleToken(keyDir: string): number | undefined {
    try {
      const { record: stored, key } = this.#readLatest(keyDir, undefined);
      if (stored.value === null || key === undefined) return undefined;
      const record = jsonRecordCodec.decode(stored.value, key);
      if (record.holders.length > 0 || record.queue.length > 0) return undefined;
      return Math.max(record.token, stored.floor ?? 0);
    } catch {
      return undefined; // not a lockgate record (another codec, or damaged): leave it
    }
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
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") throw new KeyDirGone("compacted", { cause: error });
        if (code !== "EEXIST") throw unavailable("lock", lockPath, error);
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
