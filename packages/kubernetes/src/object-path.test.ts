import { isLockgateError } from "@lockgate/core";
import { describe, expect, it } from "vitest";
import { parseObjectPath } from "./object-path.ts";

describe("parseObjectPath", () => {
  it("reads resources, kinds, namespaces and cluster-scoped objects", () => {
    expect(parseObjectPath("ci/configmaps/locks", "default")).toEqual({
      group: "",
      version: "v1",
      resource: "configmaps",
      name: "locks",
      namespace: "ci",
    });
    expect(parseObjectPath("configmaps/locks", "team-a")).toMatchObject({ namespace: "team-a" });
    expect(parseObjectPath("/lockshelves.v1.locks.example.com/shelf", "default")).toEqual({
      group: "locks.example.com",
      version: "v1",
      resource: "lockshelves",
      name: "shelf",
    });
    expect(parseObjectPath("ci/ConfigMap/locks", "default")).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "locks",
      namespace: "ci",
    });
    expect(parseObjectPath("ci/LockBoard.v1.locks.example.com/b", "default")).toMatchObject({
      apiVersion: "locks.example.com/v1",
      kind: "LockBoard",
    });
  });

  it.each([
    "locks",
    "a/b/c/d",
    "ci/configmaps/",
    "ci/configmaps/Locks",
    "CI/configmaps/locks",
    "ci/config_maps/locks",
    "ci/configmaps.v1/locks",
  ])("refuses %j with invalid-argument", (text) => {
    let caught: unknown;
    try {
      parseObjectPath(text, "default");
    } catch (error) {
      caught = error;
    }
    expect(isLockgateError(caught, "invalid-argument")).toBe(true);
    expect((caught as Error).message).toContain("[NAMESPACE/]KIND/NAME");
  });
});
