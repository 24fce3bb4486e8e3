// One contender process of the cross-process bench: EtcdLocker ("ours") or etcd3's lock()
// retried every 10 ms ("peer") on one lock. Args: ours|peer, etcd endpoint, then
// contentionWorkerMain's.
import process from "node:process";
import { contentionWorkerMain } from "@lockgate/process-harness";
import { Etcd3, EtcdLockFailedError } from "etcd3";
import { EtcdLocker } from "../src/etcd-locker.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const [kind = "ours", endpoint = "", ...rest] = process.argv.slice(2);
if (kind === "ours") {
  const locker = new EtcdLocker({ hosts: endpoint, prefix: "processes/" });
  await contentionWorkerMain(
    () => locker.acquire("contended"),
    () => locker.close(),
    rest,
  );
} else {
  const client = new Etcd3({ hosts: endpoint });
  await contentionWorkerMain(
    async () => {
      for (;;) {
        try {
          return await client.lock("processes-etcd3/contended").acquire();
        } catch (error) {
          if (!(error instanceof EtcdLockFailedError)) throw error;
          await sleep(10);
        }
      }
    },
    async () => client.close(),
    rest,
  );
}
