// One election candidate for the failover bench: campaigns, prints "elected <epoch ms>" once it
// leads, and stays until killed. argv: <ours|peer> <endpoint> <election name> <ttl seconds>.
import { Etcd3 } from "etcd3";
import { EtcdLocker } from "../src/etcd-locker.ts";

const [kind, endpoint, name, ttlSeconds] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const ttl = Number(ttlSeconds);
const keepAlive = setInterval(() => {}, 1 << 30);
if (kind === "ours") {
  const locker = new EtcdLocker({ hosts: endpoint, prefix: "failover/", leaseTtl: ttl * 1000 });
  process.stdout.write("campaigning\n");
  await locker.election(name).campaign({ value: String(process.pid) });
  process.stdout.write(`elected ${Date.now()}\n`);
} else {
  const client = new Etcd3({ hosts: endpoint });
  const campaign = client.election(name, ttl).campaign(String(process.pid));
  campaign.on("error", (error: unknown) => process.stderr.write(`${String(error)}\n`));
  campaign.on("elected", () => process.stdout.write(`elected ${Date.now()}\n`));
  process.stdout.write("campaigning\n");
}
void keepAlive;
