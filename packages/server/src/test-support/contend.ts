import type { Locker } from "@lockgate/core";

/**
 * Every client takes `name` `rounds` times, holding it briefly; reports how many were ever
 * inside at once, how many sections ran, and the fencing tokens in the order sections began.
 */
export async function contend(
  clients: Locker[],
  name: string,
  rounds: number,
): Promise<{ most: number; sections: number; tokens: number[] }> {
  let inside = 0;
  let most = 0;
  let sections = 0;
  const tokens: number[] = [];
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < rounds; i++) {
        const lock = await client.acquire(name, { timeout: 60_000 });
        most = Math.max(most, ++inside);
        tokens.push(lock.fencingToken);
        await new Promise((resolve) => setTimeout(resolve, 2));
        sections++;
        inside--;
        await lock.release();
      }
    }),
  );
  return { most, sections, tokens };
}
