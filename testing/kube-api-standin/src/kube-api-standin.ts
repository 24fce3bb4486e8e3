import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import {
  type ApiStatus,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  forbidden,
  invalid,
  methodNotSupported,
  notFound,
  patchNotApplied,
  pathNotFound,
  type Subject,
  unauthorized,
  unsupportedMediaType,
} from "./api-status.ts";
import {
  applyJsonPatch,
  applyMergePatch,
  type Json,
  PatchError,
  parsePatch,
} from "./json-patch.ts";
import { type KubeObject, ObjectStore, type StoredEvent } from "./object-store.ts";
import { validateAnnotations } from "./object-validation.ts";
import { allowEverything, anonymousUser, isAllowed, type StandInUser } from "./rbac.ts";
import { apiVersionOf, defaultResourceTypes, type ResourceType } from "./resource-types.ts";
import { createServingCertificate } from "./tls-certificate.ts";

export interface KubeApiStandInOptions {
  /** Bearer tokens and who they are. An admin token allowed everything is always added. */
  users?: Record<string, StandInUser>;
  resourceTypes?: readonly ResourceType[];
  /**
   * How often a watch that asked for bookmarks gets one, in ms. Default 60 000, as kube-apiserver's
   * watch cache. Either way one more comes 2 s before a watch's timeoutSeconds ends it, if that
   * is still ahead when the watch starts (source: cacheWatcher.nextBookmarkTime; the recorded
   * 2 s watch got none).
   */
  bookmarkInterval?: number;
  /** Events kept for resuming watches; older resourceVersions get 410 Gone. */
  historyLimit?: number;
  /** Server-side end of a watch without timeoutSeconds, in ms. */
  watchTimeout?: number;
}

export interface StandInFaults {
  /** Added before every non-watch request is handled, in ms. */
  latencyMs: number;
  /** While true every request gets 503 Service Unavailable. */
  unavailable: boolean;
  /**
   * While true every JSON Patch is answered with the real server's "not applied" 422 and changes
   * nothing, whatever it tests: a patch the server cannot apply although its tests would pass.
   */
  refuseJsonPatches: boolean;
  /** Open watches stop delivering anything but stay connected: a watch that died silently. */
  stallWatches(): void;
  /** Open watches are ended by the server, as after a server-side timeout. */
  endWatches(): void;
}

export interface KubeApiStandIn {
  /** https://127.0.0.1:<port>: TLS with a certificate made at start, as a cluster serves. */
  readonly url: string;
  /** PEM of the CA that signed the serving certificate (it is self-signed). */
  readonly caCertificate: string;
  readonly adminToken: string;
  readonly objects: ObjectStore;
  readonly faults: StandInFaults;
  /** Requests handled, by verb (get, list, watch, create, update, patch, delete). */
  readonly requests: Record<string, number>;
  /** TLS connections accepted so far: each one a full handshake a client paid for. */
  readonly connections: number;
  /**
   * A kubeconfig (YAML is a superset of JSON) for `token`, current context on this server, its CA
   * in certificate-authority-data. With `token: null`, a user with no credentials (anonymous).
   */
  kubeconfig(options?: { token?: string | null; namespace?: string }): string;
  /** Creates an object directly, as `kubectl create` would. */
  create(
    type: ResourceType,
    object: {
      name: string;
      namespace?: string;
      annotations?: Record<string, string>;
      data?: Record<string, string>;
    },
  ): KubeObject;
  /** Sets one annotation directly (an unrelated writer); null removes it. */
  annotate(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    key: string,
    value: string | null,
  ): KubeObject;
  /**
   * An API server restart: every connection dropped, nothing listening for `downMs`, then the
   * same port again with the same objects (they live in etcd, which stayed up).
   */
  restart(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface OpenWatch {
  stalled: boolean;
  end(): void;
}

interface Route {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

class HttpError extends Error {
  readonly body: ApiStatus;
  constructor(body: ApiStatus) {
    super(body.message);
    this.body = body;
  }
}

const JSON_PATCH = "application/json-patch+json";
const MERGE_PATCH = "application/merge-patch+json";
const STRATEGIC_PATCH = "application/strategic-merge-patch+json";
const APPLY_PATCH = "application/apply-patch+yaml";

/**
 * A stand-in for kube-apiserver, enough for lock stores: discovery, get, list, watch (with
 * bookmarks and 410 Gone), create, update with resourceVersion preconditions, patch (JSON Patch,
 * merge, strategic merge), delete, bearer-token RBAC and annotation validation. Behaviour follows
 * the Kubernetes API conventions (docs: "API Concepts": resource versions, efficient detection of
 * changes, watch bookmarks; "Field management"; the apimachinery error constructors).
 */
export async function startKubeApiStandIn(
  options: KubeApiStandInOptions = {},
): Promise<KubeApiStandIn> {
  const adminToken = randomBytes(18).toString("hex");
  const users = new Map<string, StandInUser>(Object.entries(options.users ?? {}));
  users.set(adminToken, { name: "kubernetes-admin", rules: allowEverything });
  const types = options.resourceTypes ?? defaultResourceTypes;
  const objects = new ObjectStore(options.historyLimit);
  const bookmarkInterval = options.bookmarkInterval ?? 60_000;
  const watchTimeout = options.watchTimeout ?? 30_000;
  const watches = new Set<OpenWatch>();
  const requests: Record<string, number> = {};
  const faults: StandInFaults = {
    latencyMs: 0,
    unavailable: false,
    refuseJsonPatches: false,
    stallWatches() {
      for (const w of watches) w.stalled = true;
    },
    endWatches() {
      for (const w of [...watches]) w.end();
    },
  };

  const subjectOf = (route: Route): Subject => ({
    group: route.type.group,
    resource: route.type.resource,
    ...(route.name === undefined ? {} : { name: route.name }),
  });

  function route(pathname: string): Route | "discovery" | undefined {
    const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string | undefined;
    let rest: string[];
    if (parts[0] === "api") {
      group = "";
      version = parts[1];
      rest = parts.slice(2);
    } else if (parts[0] === "apis") {
      group = parts[1] ?? "";
      version = parts[2];
      rest = parts.slice(3);
    } else return undefined;
    if (version === undefined || rest.length === 0) return "discovery";
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = types.find(
      (t) => t.group === group && t.version === version && t.resource === rest[0],
    );
    if (!type || rest.length > 2 || type.namespaced !== (namespace !== undefined)) return undefined;
    return { type, namespace, name: rest[1] };
  }

  function discovery(pathname: string): unknown {
    const parts = pathname.split("/").filter(Boolean);
    if (pathname === "/api")
      return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
    if (pathname === "/apis") {
      const groups = [...new Set(types.filter((t) => t.group !== "").map((t) => t.group))];
      return {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: groups.map((name) => {
          const versions = [
            ...new Set(types.filter((t) => t.group === name).map((t) => t.version)),
          ].map((v) => ({
            groupVersion: `${name}/${v}`,
            version: v,
          }));
          return { name, versions, preferredVersion: versions[0] };
        }),
      };
    }
    const group = parts[0] === "api" ? "" : (parts[1] ?? "");
    const version = parts[0] === "api" ? parts[1] : parts[2];
    const listed = types.filter((t) => t.group === group && t.version === version);
    if (listed.length === 0) return undefined;
    return {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: group === "" ? version : `${group}/${version}`,
      resources: listed.map((t) => ({
        name: t.resource,
        singularName: t.kind.toLowerCase(),
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      })),
    };
  }

  function verbOf(method: string, r: Route, url: URL): string {
    const watching =
      url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
    switch (method) {
      case "GET":
        return r.name === undefined ? (watching ? "watch" : "list") : "get";
      case "POST":
        return "create";
      case "PUT":
        return "update";
      case "PATCH":
        return "patch";
      case "DELETE":
        return "delete";
      default:
        return method.toLowerCase();
    }
  }

  function mustExist(r: Route): KubeObject {
    const current = objects.get(r.type, r.namespace, r.name ?? "");
    if (!current) throw new HttpError(notFound(subjectOf(r)));
    return current;
  }

  function validate(r: Route, object: KubeObject): void {
    const errors = validateAnnotations(object.metadata.annotations);
    if (errors.length > 0) throw new HttpError(invalid(r.type.kind, subjectOf(r), errors));
  }

  function commitUpdate(r: Route, current: KubeObject, next: Json): KubeObject {
    if (typeof next !== "object" || next === null || Array.isArray(next)) {
      throw new HttpError(badRequest("the object is not a JSON object"));
    }
    const object = next as KubeObject;
    if (typeof object.metadata !== "object" || object.metadata === null)
      object.metadata = { ...current.metadata };
    if (object.metadata.name !== undefined && object.metadata.name !== current.metadata.name) {
      throw new HttpError(
        badRequest(
          `the name of the object (${String(object.metadata.name)}) does not match the name on the URL (${current.metadata.name})`,
        ),
      );
    }
    // A resourceVersion in the new object is a precondition (optimistic concurrency); none
    // means an unconditional update, which ConfigMaps and custom resources allow.
    const wanted = object.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== "" && wanted !== current.metadata.resourceVersion) {
      throw new HttpError(conflict(subjectOf(r)));
    }
    object.metadata = {
      ...object.metadata,
      name: current.metadata.name,
      uid: current.metadata.uid ?? null,
      creationTimestamp: current.metadata.creationTimestamp ?? null,
      resourceVersion: current.metadata.resourceVersion,
      ...(r.namespace === undefined ? {} : { namespace: r.namespace }),
    };
    validate(r, object);
    return objects.write(r.type, r.namespace, object, "MODIFIED");
  }

  function patch(r: Route, contentType: string, body: string): KubeObject {
    const current = mustExist(r);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      throw new HttpError(badRequest(`error decoding patch: ${(error as Error).message}`));
    }
    const accepted = r.type.builtIn
      ? [JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH]
      : [JSON_PATCH, MERGE_PATCH, APPLY_PATCH];
    let next: Json;
    if (contentType === JSON_PATCH) {
      if (faults.refuseJsonPatches) throw new HttpError(patchNotApplied());
      try {
        next = applyJsonPatch(current as Json, parsePatch(parsed));
      } catch (error) {
        if (!(error instanceof PatchError)) throw error;
        throw new HttpError(error.applies ? patchNotApplied() : badRequest(error.message));
      }
    } else if (contentType === MERGE_PATCH || (contentType === STRATEGIC_PATCH && r.type.builtIn)) {
      // Strategic merge differs from merge only for lists with patch merge keys; metadata
      // maps (annotations, labels) and ConfigMap data merge the same way.
      next = applyMergePatch(current as Json, parsed as Json);
    } else {
      throw new HttpError(unsupportedMediaType(contentType, accepted));
    }
    return commitUpdate(r, current, next);
  }

  function handleWatch(r: Route, url: URL, res: ServerResponse): void {
    const selector = url.searchParams.get("fieldSelector");
    let name = r.name;
    if (selector) {
      const match = /^metadata\.name(==?)(.+)$/.exec(selector);
      if (!match)
        throw new HttpError(badRequest(`unsupported field selector ${JSON.stringify(selector)}`));
      name = match[2];
    }
    const bookmarks = url.searchParams.get("allowWatchBookmarks") === "true";
    const timeoutSeconds = Number(url.searchParams.get("timeoutSeconds") ?? Number.NaN);
    const rvParam = url.searchParams.get("resourceVersion");
    res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    const send = (type: string, object: unknown): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const filter = { type: r.type, namespace: r.namespace, name };
    let lastSent = objects.resourceVersion;
    if (rvParam === null || rvParam === "" || rvParam === "0") {
      // No resourceVersion: synthetic ADDED events for the current state, then changes.
      for (const object of objects.list(r.type, r.namespace)) {
        if (name === undefined || object.metadata.name === name) send("ADDED", object);
      }
    } else {
      const from = Number(rvParam);
      const replay = Number.isSafeInteger(from) ? objects.eventsAfter(from, filter) : undefined;
      if (replay === undefined) {
        send("ERROR", expired(from, objects.oldestResumable));
        res.end();
        return;
      }
      for (const event of replay) send(event.type, event.object);
    }
    const open: OpenWatch = {
      stalled: false,
      end: () => {
        clearInterval(bookmarkTimer);
        clearTimeout(preTimeoutTimer);
        clearTimeout(endTimer);
        unsubscribe();
        watches.delete(open);
        res.end();
      },
    };
    const unsubscribe = objects.subscribe({
      ...filter,
      deliver(event: StoredEvent) {
        if (open.stalled) return;
        lastSent = event.rv;
        send(event.type, event.object);
      },
    });
    const bookmark = (): void => {
      if (!bookmarks || open.stalled) return;
      lastSent = Math.max(lastSent, objects.resourceVersion);
      send("BOOKMARK", {
        kind: r.type.kind,
        apiVersion: apiVersionOf(r.type),
        metadata: { resourceVersion: String(lastSent) },
      });
    };
    const lifetime = Number.isFinite(timeoutSeconds) ? timeoutSeconds * 1000 : watchTimeout;
    const bookmarkTimer = setInterval(bookmark, bookmarkInterval);
    const preTimeout = lifetime - 2_000;
    const preTimeoutTimer = preTimeout > 0 ? setTimeout(bookmark, preTimeout) : undefined;
    const endTimer = setTimeout(() => open.end(), lifetime);
    watches.add(open);
    res.on("close", () => open.end());
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://standin");
    const auth = req.headers.authorization;
    // Recorded: an unknown token is 401; no credentials at all is system:anonymous, whom RBAC
    // refuses with 403 like any user without rules.
    const user =
      auth === undefined
        ? anonymousUser
        : auth.startsWith("Bearer ")
          ? users.get(auth.slice(7))
          : undefined;
    if (!user) throw new HttpError(unauthorized());
    if (faults.unavailable) {
      throw new HttpError({
        ...badRequest("the server is currently unable to handle the request"),
        reason: "ServiceUnavailable",
        code: 503,
      });
    }
    const r = route(url.pathname);
    if (r === "discovery") {
      // Source: discovery is a non-resource URL that RBAC grants to authenticated users only
      // (system:discovery); the answer to anyone else is a non-resource Forbidden.
      if (user === anonymousUser)
        throw new HttpError({
          ...badRequest(`forbidden: User "${user.name}" cannot get path "${url.pathname}"`),
          reason: "Forbidden",
          details: {},
          code: 403,
        });
      const doc = discovery(url.pathname);
      if (doc === undefined) throw new HttpError(pathNotFound());
      return reply(res, 200, doc);
    }
    if (!r) throw new HttpError(pathNotFound());
    const verb = verbOf(req.method ?? "GET", r, url);
    requests[verb] = (requests[verb] ?? 0) + 1;
    // Source (apiserver's RequestInfoFactory): a list or watch that selects one object by
    // metadata.name is authorized as a request for that name, so resourceNames can narrow it.
    const selected = /^metadata\.name==?(.+)$/.exec(
      url.searchParams.get("fieldSelector") ?? "",
    )?.[1];
    const name = r.name ?? (verb === "list" || verb === "watch" ? selected : undefined);
    const access = {
      verb,
      group: r.type.group,
      resource: r.type.resource,
      ...(name === undefined ? {} : { name }),
      ...(r.namespace === undefined ? {} : { namespace: r.namespace }),
    };
    if (!isAllowed(user, access))
      throw new HttpError(forbidden(subjectOf(r), user.name, verb, r.namespace));
    if (verb !== "watch" && faults.latencyMs > 0)
      await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    switch (verb) {
      case "get":
        return reply(res, 200, mustExist(r));
      case "list":
        return reply(res, 200, {
          kind: `${r.type.kind}List`,
          apiVersion: apiVersionOf(r.type),
          metadata: { resourceVersion: String(objects.resourceVersion) },
          items: objects.list(r.type, r.namespace),
        });
      case "watch":
        return handleWatch(r, url, res);
      case "create": {
        const object = JSON.parse(body) as KubeObject;
        const name = object?.metadata?.name;
        if (typeof name !== "string" || name === "")
          throw new HttpError(badRequest("metadata.name is required"));
        const target = { ...r, name };
        if (objects.get(r.type, r.namespace, name))
          throw new HttpError(alreadyExists(subjectOf(target)));
        object.metadata = {
          ...object.metadata,
          ...(r.namespace === undefined ? {} : { namespace: r.namespace }),
        } as KubeObject["metadata"];
        validate(target, object);
        return reply(res, 201, objects.write(r.type, r.namespace, object, "ADDED"));
      }
      case "update":
        return reply(res, 200, commitUpdate(r, mustExist(r), JSON.parse(body) as Json));
      case "patch":
        return reply(
          res,
          200,
          patch(r, (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "", body),
        );
      case "delete":
        objects.write(r.type, r.namespace, mustExist(r), "DELETED");
        return reply(res, 200, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name: r.name, kind: r.type.resource },
        });
      default:
        throw new HttpError(methodNotSupported(subjectOf(r), verb));
    }
  }

  const tls = createServingCertificate();
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((error: unknown) => {
        if (error instanceof HttpError) return reply(res, error.body.code, error.body);
        if (error instanceof SyntaxError) return reply(res, 400, badRequest(error.message));
        reply(res, 500, { ...badRequest(String(error)), reason: "InternalError", code: 500 });
      });
    });
  });
  let connections = 0;
  server.on("secureConnection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const stopListening = async () => {
    faults.endWatches();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    url,
    caCertificate: tls.cert,
    adminToken,
    objects,
    faults,
    requests,
    get connections() {
      return connections;
    },
    kubeconfig({ token = adminToken, namespace } = {}) {
      return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: "standin",
            cluster: {
              server: url,
              "certificate-authority-data": Buffer.from(tls.cert).toString("base64"),
            },
          },
        ],
        users: [{ name: "standin-user", user: token === null ? {} : { token } }],
        contexts: [
          {
            name: "standin",
            context: {
              cluster: "standin",
              user: "standin-user",
              ...(namespace ? { namespace } : {}),
            },
          },
        ],
        "current-context": "standin",
      });
    },
    create(type, { name, namespace, annotations, data }) {
      return objects.write(
        type,
        namespace,
        {
          apiVersion: apiVersionOf(type),
          kind: type.kind,
          metadata: {
            name,
            ...(namespace ? { namespace } : {}),
            resourceVersion: "",
            ...(annotations ? { annotations } : {}),
          },
          ...(data ? { data } : {}),
        },
        "ADDED",
      );
    },
    annotate(type, namespace, name, key, value) {
      const current = objects.get(type, namespace, name);
      if (!current) throw new Error(`${type.resource} ${name} does not exist`);
      const annotations = { ...((current.metadata.annotations ?? {}) as Record<string, string>) };
      if (value === null) delete annotations[key];
      else annotations[key] = value;
      current.metadata.annotations = annotations;
      return objects.write(type, namespace, current, "MODIFIED");
    },
    async restart(downMs = 500) {
      await stopListening();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    },
    close: stopListening,
  };
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
