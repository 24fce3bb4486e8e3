import { withAcquire } from "@lockgate/core";
import { EtcdLocker } from "@lockgate/store-etcd";

/** One deploy per environment at a time, across every CI runner that reaches etcd. */
export async function deployExclusively(
  environment: string,
  deploy: (fencingToken: number) => Promise<void>,
): Promise<void> {
  const locker = new EtcdLocker({
    hosts: (process.env.ETCD_ENDPOINTS ?? "http://127.0.0.1:2379").split(","),
    prefix: "ci-locks/",
    // TLS and user auth pass straight to the etcd3 client:
    // credentials: { rootCertificate: readFileSync("ca.pem") }, auth: { username, password },
  });
  try {
    await withAcquire(
      locker,
      `deploy/${environment}`,
      { timeout: 15 * 60_000, value: { runner: process.env.HOSTNAME ?? "unknown" } },
      async (lock) => {
        await deploy(lock.fencingToken);
      },
    );
  } finally {
    await locker.close();
  }
}
