import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "./cli-error.ts";
import { EXIT } from "./exit-codes.ts";

/** Where the locks live, as parsed from `--store` / LOCKGATE_STORE. Never holds a secret. */
export type StoreTarget =
  | { readonly kind: "file"; readonly dir: string }
  | { readonly kind: "http"; readonly url: string }
  | {
      readonly kind: "etcd";
      readonly hosts: readonly string[];
      readonly prefix: string;
      readonly username?: string;
    }
  | {
      readonly kind: "kubernetes";
      readonly object: {
        readonly group: string;
        readonly version: string;
        readonly resource: string;
        readonly name: string;
        readonly namespace?: string;
      };
      readonly context?: string;
    }
  | { readonly kind: "redis"; readonly url: string; readonly prefix?: string }
  | { readonly kind: "postgres"; readonly url: string; readonly table?: string };

export const STORE_FORMS = `  /var/lock/app  or  file:///var/lock/app      a directory on this host
  http://host:55589  or  https://...          a lockgate lock server (token: LOCKGATE_TOKEN or --token-file)
  etcd://host:2379[,host:2379]/prefix/        etcd (etcds:// for TLS; user@ with LOCKGATE_ETCD_PASSWORD)
  kubernetes://NAMESPACE/configmaps/NAME      annotations of a Kubernetes object (KUBECONFIG or in-cluster);
                                              other kinds as RESOURCE.VERSION.GROUP; kubernetes:///... if cluster-scoped
  redis://host:6379[/db][?prefix=app:]        Redis (rediss:// for TLS; password: LOCKGATE_REDIS_PASSWORD or --password-file)
  postgres://user@host:5432/db[?table=locks]  PostgreSQL (password: PGPASSWORD or --password-file)`;

function badStore(message: string, hint: string): CliError {
  return new CliError("bad-store-url", message, EXIT.usage, hint);
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Parses a store URL, or a directory path, into what `openLocker` connects to. */
export function parseStoreUrl(text: string, cwd: string = process.cwd()): StoreTarget {
  const trimmed = text.trim();
  if (trimmed === "") {
    throw badStore(
      "no store given",
      "pass --store URL or set LOCKGATE_STORE (a directory, http://, etcd://, kubernetes://, redis:// or postgres://)",
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "file", dir: resolve(cwd, trimmed) };
  const rest = trimmed.slice(scheme.length + 3);
  switch (scheme) {
    case "file": {
      let dir: string;
      try {
        dir = fileURLToPath(trimmed);
      } catch (error) {
        throw badStore(
          `${trimmed} is not a file URL: ${(error as Error).message}`,
          "use file:///absolute/path",
        );
      }
      if (!isAbsolute(dir))
        throw badStore(`${trimmed} is not absolute`, "use file:///absolute/path");
      return { kind: "file", dir };
    }
    case "http":
    case "https": {
      const url = parseUrl(trimmed);
      refuseSecretInUrl(url, "the lock server token", "LOCKGATE_TOKEN or --token-file");
      return { kind: "http", url: trimmed.replace(/\/+$/, "") };
    }
    case "etcd":
    case "etcds":
      return parseEtcd(scheme, rest);
    case "kubernetes":
      return parseKubernetes(rest, trimmed);
    case "redis":
    case "rediss": {
      const url = parseUrl(trimmed);
      refuseSecretInUrl(url, "the Redis password", "LOCKGATE_REDIS_PASSWORD or --password-file");
      const prefix = url.searchParams.get("prefix") ?? undefined;
      url.search = "";
      return { kind: "redis", url: url.toString(), ...(prefix === undefined ? {} : { prefix }) };
    }
    case "postgres":
    case "postgresql": {
      const url = parseUrl(trimmed);
      refuseSecretInUrl(url, "the PostgreSQL password", "PGPASSWORD or --password-file");
      const table = url.searchParams.get("table") ?? undefined;
      url.searchParams.delete("table");
      return { kind: "postgres", url: url.toString(), ...(table === undefined ? {} : { table }) };
    }
    default:
      throw badStore(`unknown store scheme ${scheme}://`, `use one of:\n${STORE_FORMS}`);
  }
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw badStore(`${text} is not a URL`, `use one of:\n${STORE_FORMS}`);
  }
}

function refuseSecretInUrl(url: URL, what: string, instead: string): void {
  if (url.password !== "" || (url.protocol.startsWith("http") && url.username !== "")) {
    throw badStore(
      `the store URL must not contain ${what} (URLs end up in logs and process lists)`,
      `pass it through ${instead}`,
    );
  }
}

function parseEtcd(scheme: string, rest: string): StoreTarget {
  const slash = rest.indexOf("/");
  let authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash + 1);
  let username: string | undefined;
  const at = authority.lastIndexOf("@");
  if (at >= 0) {
    username = decodeURIComponent(authority.slice(0, at));
    authority = authority.slice(at + 1);
    if (username.includes(":")) {
      throw badStore(
        "the store URL must not contain the etcd password (URLs end up in logs and process lists)",
        "pass it through LOCKGATE_ETCD_PASSWORD or --password-file",
      );
    }
  }
  const hosts = authority.split(",").map((h) => h.trim());
  if (
    hosts.length === 0 ||
    hosts.some((h) => !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(h))
  ) {
    throw badStore(
      `etcd endpoints ${JSON.stringify(authority)} are not host:port[,host:port]`,
      "example: etcd://10.0.0.1:2379,10.0.0.2:2379/ci-locks/",
    );
  }
  const protocol = scheme === "etcds" ? "https" : "http";
  return {
    kind: "etcd",
    hosts: hosts.map((h) => `${protocol}://${/:\d+$/.test(h) ? h : `${h}:2379`}`),
    prefix: path === "" ? "lockgate/" : decodeURIComponent(path),
    ...(username === undefined ? {} : { username }),
  };
}

function parseKubernetes(rest: string, text: string): StoreTarget {
  const query = rest.indexOf("?");
  const params = new URLSearchParams(query < 0 ? "" : rest.slice(query + 1));
  const [namespace, resourceText, name, ...extra] = (query < 0 ? rest : rest.slice(0, query)).split(
    "/",
  );
  const example = "example: kubernetes://ci/configmaps/deploy-locks";
  if (
    resourceText === undefined ||
    name === undefined ||
    extra.length > 0 ||
    !resourceText ||
    !name
  ) {
    throw badStore(`${text} is not kubernetes://NAMESPACE/RESOURCE/NAME`, example);
  }
  if (namespace !== "" && !DNS_NAME.test(namespace as string)) {
    throw badStore(`${JSON.stringify(namespace)} is not a namespace name`, example);
  }
  if (!DNS_NAME.test(name))
    throw badStore(`${JSON.stringify(name)} is not an object name`, example);
  // kubectl's RESOURCE[.VERSION.GROUP]: "configmaps", "lockboards.v1.example.com".
  const [resource, version, ...groupParts] = resourceText.split(".");
  const group = groupParts.join(".");
  if (!resource || !/^[a-z0-9-]+$/.test(resource) || (version !== undefined && group === "")) {
    throw badStore(
      `${JSON.stringify(resourceText)} is not RESOURCE or RESOURCE.VERSION.GROUP`,
      "examples: configmaps, secrets, lockboards.v1.locks.example.com",
    );
  }
  const context = params.get("context") ?? undefined;
  return {
    kind: "kubernetes",
    object: {
      group,
      version: version ?? "v1",
      resource,
      name,
      ...(namespace === "" ? {} : { namespace: namespace as string }),
    },
    ...(context === undefined ? {} : { context }),
  };
}

/** The store as a message may name it: no credentials (none are in a target). */
export function describeStore(target: StoreTarget): string {
  switch (target.kind) {
    case "file":
      return `directory ${target.dir}`;
    case "http":
      return `lock server ${target.url}`;
    case "etcd":
      return `etcd ${target.hosts.join(",")} under ${JSON.stringify(target.prefix)}`;
    case "kubernetes": {
      const { resource, group, name, namespace } = target.object;
      return `Kubernetes ${group ? `${resource}.${group}` : resource}/${name}${namespace ? ` in namespace ${namespace}` : ""}`;
    }
    case "redis":
      return `Redis ${new URL(target.url).host}`;
    case "postgres":
      return `PostgreSQL ${new URL(target.url).host}`;
  }
}
