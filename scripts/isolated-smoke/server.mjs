import { spawn } from "node:child_process";

// The README's commands in a project that installed only @lockgate/server (and what it needs):
// `npx @lockgate/server`, and the same package under Bun (`bunx --bun`) and Deno (`npm:`) when
// the check passes their binaries in. Each takes and releases a lock and serves the status page.
const commands = [["npx", ["--no-install", "@lockgate/server"]]];
if (process.env.SMOKE_BUN)
  commands.push([process.env.SMOKE_BUN, ["x", "--bun", "@lockgate/server"]]);
if (process.env.SMOKE_DENO)
  commands.push([process.env.SMOKE_DENO, ["run", "-A", "npm:@lockgate/server"]]);

async function tryServer(command, args) {
  // Its own process group: npx, bunx and npm's deno wrapper run the server as a grandchild.
  const child = spawn(command, [...args, "--no-auth", "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 60_000);
    const read = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
  const post = async (path, body) =>
    fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) });
  const granted = await (await post("/v1/acquire", { name: "smoke", id: "smoke-1" })).json();
  if (granted.status !== "granted") throw new Error(`acquire: ${JSON.stringify(granted)}`);
  const page = await fetch(url);
  if (!(await page.text()).includes("smoke"))
    throw new Error("the status page does not show the lock");
  const released = await post("/v1/release", { ...granted.lease });
  if (released.status !== 204) throw new Error(`release: ${released.status}`);
  // SIGTERM to the whole group; the server has stopped when its port refuses.
  process.kill(-child.pid, "SIGTERM");
  for (let i = 0; ; i++) {
    const answered = await fetch(`${url}/healthz`).then(
      () => true,
      () => false,
    );
    if (!answered) break;
    if (i === 100) throw new Error(`${command} did not stop on SIGTERM`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.stdout.destroy();
  child.stderr.destroy();
  return `${command.split("/").at(-1)} ${args.at(-1)}`;
}

const ran = [];
for (const [command, args] of commands) ran.push(await tryServer(command, args));
console.log(`server ok (${ran.join("; ")})`);
