import { readFileSync } from "node:fs";

/**
 * Judges a log of "enter|leave pid kind token" lines appended by many processes. Appends are
 * atomic and ordered by the kernel, so file order is real order: a holder that logged "enter"
 * before another's "leave" was inside while the other still was.
 */
export function overlapsIn(logFile: string): {
  problems: string[];
  sections: number;
  tokens: number[];
} {
  const inside = new Map<string, { kind: string; token: number }>();
  const problems: string[] = [];
  const tokens: number[] = [];
  let sections = 0;
  for (const line of readFileSync(logFile, "utf8").split("\n").filter(Boolean)) {
    const [event, pid = "", kind = "", token = ""] = line.split(" ");
    if (event === "enter") {
      for (const [other, held] of inside) {
        if (kind === "x" || held.kind === "x") {
          problems.push(
            `${pid} (${kind}, token ${token}) entered while ${other} (${held.kind}, token ${held.token}) was inside`,
          );
        }
      }
      inside.set(pid, { kind, token: Number(token) });
      tokens.push(Number(token));
      sections++;
    } else if (event === "leave") {
      inside.delete(pid);
    }
  }
  return { problems, sections, tokens };
}
