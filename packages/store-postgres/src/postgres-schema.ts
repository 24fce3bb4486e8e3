import { LockgateError } from "@lockgate/core";

/** A table name as given: `locks` or `schema.locks`, lower-case SQL identifiers only. */
const TABLE_NAME = /^(?:[a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,50}$/;

/** The names one store uses: its table, the sequence its versions come from, its channel. */
export interface PostgresNames {
  readonly table: string;
  readonly sequence: string;
  /** NOTIFY channel: the table's name with the schema's, as one identifier. */
  readonly channel: string;
}

export function postgresNames(table: string): PostgresNames {
  if (!TABLE_NAME.test(table)) {
    throw new LockgateError(
      "invalid-argument",
      `table ${JSON.stringify(table)} must be a lower-case SQL identifier, optionally schema-qualified (such as "lockgate_locks" or "ops.locks")`,
    );
  }
  return {
    table: table.split(".").map(quote).join("."),
    sequence: `${table}_version`.split(".").map(quote).join("."),
    channel: table.replace(".", "_"),
  };
}

function quote(identifier: string): string {
  return `"${identifier}"`;
}

/**
 * The statements that create what the store needs, for those who manage schemas themselves
 * (then pass `createTable: false`). Idempotent.
 */
export function postgresSchema(table = "lockgate_locks"): string[] {
  const { table: t, sequence } = postgresNames(table);
  return [
    `CREATE SEQUENCE IF NOT EXISTS ${sequence}`,
    `CREATE TABLE IF NOT EXISTS ${t} (key text PRIMARY KEY, value text NOT NULL, version bigint NOT NULL)`,
  ];
}

/** Notices above this size carry no value: the watcher reads the row (NOTIFY allows 8000 bytes). */
const NOTICE_VALUE_BYTES = 7_000;

/**
 * The store's statements. Each write is one statement: the change and its NOTIFY commit
 * together, and the notice is a JSON array [version, key, value] (value null: deleted; no value
 * at all: too large, read the row).
 */
export function postgresStatements(
  names: PostgresNames,
): Record<"get" | "getMany" | "create" | "update" | "delete" | "list", string> {
  const { table, sequence } = names;
  // $3 is the channel in every write.
  const notice =
    `pg_notify($3, CASE WHEN octet_length(w.value) + octet_length(w.key) < ${NOTICE_VALUE_BYTES} ` +
    "THEN json_build_array(w.version::text, w.key, w.value)::text " +
    "ELSE json_build_array(w.version::text, w.key)::text END)";
  return {
    get: `SELECT value, version::text AS version FROM ${table} WHERE key = $1`,
    getMany: `SELECT key, value, version::text AS version FROM ${table} WHERE key = ANY($1::text[])`,
    create:
      `WITH w AS (INSERT INTO ${table} (key, value, version) VALUES ($1, $2, nextval('${sequence}')) ` +
      "ON CONFLICT (key) DO NOTHING RETURNING key, value, version) " +
      `SELECT w.version::text AS version, ${notice} FROM w`,
    // On a lost race the row as this statement's snapshot saw it comes back instead (marked
    // `lost`): a hint that saves the caller a read, possibly older than the write that won.
    update:
      `WITH w AS (UPDATE ${table} SET value = $2, version = nextval('${sequence}') ` +
      "WHERE key = $1 AND version = $4::bigint RETURNING key, value, version) " +
      `SELECT w.version::text AS version, NULL AS value, false AS lost, ${notice} AS notified FROM w ` +
      `UNION ALL SELECT t.version::text, t.value, true, NULL FROM ${table} t ` +
      "WHERE t.key = $1 AND NOT EXISTS (SELECT 1 FROM w)",
    delete:
      `WITH w AS (DELETE FROM ${table} WHERE key = $1 AND version = $2::bigint RETURNING key) ` +
      `SELECT pg_notify($3, json_build_array(nextval('${sequence}')::text, w.key, NULL)::text) FROM w`,
    list: `SELECT key FROM ${table} WHERE starts_with(key, $1)`,
  };
}
