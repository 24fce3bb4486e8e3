import { readFileSync } from "node:fs";
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeApiStandIn, startKubeApiStandIn } from "./kube-api-standin.ts";
import { configMaps } from "./resource-types.ts";

// Every answer a real kube-apiserver v1.24 gave to the calls a lock store makes, replayed against
// the stand-in in the order they were recorded, over TLS. Status answers must be equal field by
// field: a stand-in that says more than the real server (a cause, a name) lets the store rely on
// what a real cluster never sends, which is how lost races once read as errors.

interface Recorded {
  readonly title: string;
  readonly request: {
    readonly method: string;
    readonly path: string;
    readonly auth: "admin" | "none" | "unknown-token";
    readonly contentType?: string;
    readonly body?: string;
  };
  readonly status: number;
  readonly body?: Record<string, unknown>;
  readonly events?: { type: string; object: Record<string, unknown> }[];
}

const answers = (
  JSON.parse(
    readFileSync(new URL("../fixtures/recorded-answers.json", import.meta.url), "utf8"),
  ) as { answers: Recorded[] }
).answers;

let api: KubeApiStandIn;

beforeAll(async () => {
  api = await startKubeApiStandIn();
});
afterAll(() => api.close());

function send(
  recorded: Recorded["request"],
  path = recorded.path,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (recorded.auth === "admin") headers.authorization = `Bearer ${api.adminToken}`;
  if (recorded.auth === "unknown-token") headers.authorization = "Bearer not-a-known-token-0000";
  if (recorded.contentType) headers["content-type"] = recorded.contentType;
  const url = new URL(path, api.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: recorded.method, headers, ca: api.caCertificate }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(recorded.body);
  });
}

function find(title: string): Recorded {
  const found = answers.find((a) => a.title === title);
  if (!found) throw new Error(`no recorded answer "${title}"`);
  return found;
}

describe("the stand-in answers as the recorded kube-apiserver did", () => {
  let rvAfterPatch = "";

  it("has the recorded answers to compare with", () => {
    expect(answers.length).toBeGreaterThanOrEqual(17);
  });

  it.each(answers.filter((a) => !a.request.path.includes("watch=")))(
    "$title: $status",
    async (recorded) => {
      const { status, text } = await send(recorded.request);
      expect(status).toBe(recorded.status);
      const body = JSON.parse(text) as Record<string, unknown>;
      const expected = recorded.body as Record<string, unknown>;
      if (expected.kind === "Status") {
        expect(body).toStrictEqual(expected);
        return;
      }
      // An object: the generated fields (uid, resourceVersion, timestamps) differ by nature;
      // compare what is fixed, and the set of metadata fields (managedFields aside: the stand-in
      // keeps no field ownership, and nothing of lockgate reads it).
      const meta = body.metadata as Record<string, unknown>;
      const expectedMeta = expected.metadata as Record<string, unknown>;
      expect({ kind: body.kind, apiVersion: body.apiVersion }).toEqual({
        kind: expected.kind,
        apiVersion: expected.apiVersion,
      });
      expect(Object.keys(meta).sort()).toEqual(
        Object.keys(expectedMeta)
          .filter((k) => k !== "managedFields")
          .sort(),
      );
      expect(meta.annotations).toEqual(expectedMeta.annotations);
      expect(meta.name).toBe(expectedMeta.name);
      expect(meta.namespace).toBe(expectedMeta.namespace);
      expect(meta.resourceVersion).toMatch(/^[0-9]+$/);
      expect(meta.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      if (recorded.title === "json patch, test passes")
        rvAfterPatch = meta.resourceVersion as string;
    },
  );

  it("watch from a too old resourceVersion: HTTP 200 and one ERROR event with 410 Expired", async () => {
    const recorded = find("watch from a too old resourceVersion (1)");
    api.objects.compact();
    const { status, text } = await send(recorded.request);
    expect(status).toBe(recorded.status);
    const events = text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; object: Record<string, unknown> });
    expect(events).toHaveLength(recorded.events?.length ?? -1);
    const [event] = events;
    const [expected] = recorded.events ?? [];
    expect(event?.type).toBe(expected?.type);
    // "too old resource version: 1 (<oldest kept>)": the number in brackets is the server's own.
    expect(event?.object.message).toMatch(/^too old resource version: 1 \(\d+\)$/);
    expect({ ...event?.object, message: "" }).toStrictEqual({ ...expected?.object, message: "" });
  });

  it("watch with bookmarks for 2 s: the change, and no bookmark (too close to its timeout)", async () => {
    const recorded = find("watch with bookmarks, one change, timeoutSeconds=2");
    expect(rvAfterPatch).not.toBe("");
    // What happened between the recorded calls: annotation z was added (the event shows it).
    api.annotate(configMaps, "lockgate-test", "golden", "z", "1");
    const path = recorded.request.path.replace(
      /resourceVersion=\d+/,
      `resourceVersion=${rvAfterPatch}`,
    );
    const started = Date.now();
    const { status, text } = await send(recorded.request, path);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(status).toBe(recorded.status);
    const events = text
      .split("\n")
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as { type: string; object: { metadata: Record<string, unknown> } },
      );
    expect(events.map((e) => e.type)).toEqual(recorded.events?.map((e) => e.type));
    const expected = recorded.events?.[0]?.object as { metadata: Record<string, unknown> };
    expect(events[0]?.object.metadata.annotations).toEqual(expected.metadata.annotations);
    expect(Number(events[0]?.object.metadata.resourceVersion)).toBeGreaterThan(
      Number(rvAfterPatch),
    );
  });

  it("a longer watch gets one bookmark 2 s before its timeout ends it", async () => {
    const recorded = find("watch with bookmarks, one change, timeoutSeconds=2");
    const path = recorded.request.path
      .replace(/resourceVersion=\d+/, `resourceVersion=${api.objects.resourceVersion}`)
      .replace("timeoutSeconds=2", "timeoutSeconds=3");
    const { text } = await send(recorded.request, path);
    const types = text
      .split("\n")
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types).toEqual(["BOOKMARK"]);
  });
});
