import { describe, expect, it } from "vitest";
import { CliError } from "./cli-error.ts";
import { describeStore, parseStoreUrl } from "./store-url.ts";

describe("parseStoreUrl", () => {
  it.each([
    ["/var/lock/app", { kind: "file", dir: "/var/lock/app" }],
    ["locks", { kind: "file", dir: "/work/locks" }],
    ["file:///var/lock/app", { kind: "file", dir: "/var/lock/app" }],
    ["http://127.0.0.1:55589/", { kind: "http", url: "http://127.0.0.1:55589" }],
    ["https://locks.internal", { kind: "http", url: "https://locks.internal" }],
    [
      "etcd://10.0.0.1:2379,10.0.0.2/ci-locks/",
      {
        kind: "etcd",
        hosts: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"],
        prefix: "ci-locks/",
      },
    ],
    [
      "etcds://etcd.internal",
      { kind: "etcd", hosts: ["https://etcd.internal:2379"], prefix: "lockgate/" },
    ],
    [
      "etcd://ci@h:2379/p/",
      { kind: "etcd", hosts: ["http://h:2379"], prefix: "p/", username: "ci" },
    ],
    [
      "kubernetes://ci/configmaps/deploy-locks",
      {
        kind: "kubernetes",
        object: {
          group: "",
          version: "v1",
          resource: "configmaps",
          name: "deploy-locks",
          namespace: "ci",
        },
      },
    ],
    [
      "kubernetes:///lockboards.v1alpha1.locks.example.com/board?context=prod",
      {
        kind: "kubernetes",
        object: {
          group: "locks.example.com",
          version: "v1alpha1",
          resource: "lockboards",
          name: "board",
        },
        context: "prod",
      },
    ],
    [
      "redis://127.0.0.1:6379/2?prefix=app:",
      { kind: "redis", url: "redis://127.0.0.1:6379/2", prefix: "app:" },
    ],
    ["rediss://default@cache:6380", { kind: "redis", url: "rediss://default@cache:6380" }],
    [
      "postgres://app@db:5432/app?table=ops.locks",
      { kind: "postgres", url: "postgres://app@db:5432/app", table: "ops.locks" },
    ],
  ])("%s", (text, target) => {
    expect(parseStoreUrl(text, "/work")).toEqual(target);
  });

  it.each([
    ["", /no store given/],
    ["consul://h:8500", /unknown store scheme consul:\/\//],
    ["http://user:hunter2@h", /must not contain the lock server token/],
    ["redis://:hunter2@h:6379", /must not contain the Redis password/],
    ["postgres://u:hunter2@db/app", /must not contain the PostgreSQL password/],
    ["etcd://root:hunter2@h:2379/", /must not contain the etcd password/],
    ["etcd://a b/", /are not host:port/],
    ["kubernetes://ci/configmaps", /is not kubernetes:\/\/NAMESPACE\/RESOURCE\/NAME/],
    ["kubernetes://Bad_NS/configmaps/x", /is not a namespace name/],
    ["kubernetes://ci/lockboards.v1/x", /is not RESOURCE or RESOURCE.VERSION.GROUP/],
  ])("refuses %j with exit 2 and never echoes a secret", (text, message) => {
    let error: unknown;
    try {
      parseStoreUrl(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).code).toBe("bad-store-url");
    expect((error as CliError).message).toMatch(message);
    expect(`${(error as CliError).message} ${(error as CliError).hint}`).not.toContain("hunter2");
  });

  it("describes a store without credentials", () => {
    expect(describeStore(parseStoreUrl("rediss://default@cache:6380"))).toBe("Redis cache:6380");
    expect(describeStore(parseStoreUrl("kubernetes://ci/configmaps/locks"))).toBe(
      "Kubernetes configmaps/locks in namespace ci",
    );
  });
});
