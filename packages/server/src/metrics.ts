/** The server's Prometheus metrics, kept by hand: a few counters, gauges and one histogram. */
export class Metrics {
  readonly #counters = new Map<string, number>();
  readonly #buckets = [1, 5, 10, 50, 100, 500, 1_000, 5_000, 30_000];
  readonly #latency = new Map<string, { counts: number[]; sum: number; count: number }>();

  count(name: string, labels: Record<string, string> = {}, by = 1): void {
    const key = series(name, labels);
    this.#counters.set(key, (this.#counters.get(key) ?? 0) + by);
  }

  observe(route: string, ms: number): void {
    let h = this.#latency.get(route);
    if (!h) {
      h = { counts: this.#buckets.map(() => 0), sum: 0, count: 0 };
      this.#latency.set(route, h);
    }
    for (const [i, le] of this.#buckets.entries())
      if (ms <= le) h.counts[i] = (h.counts[i] ?? 0) + 1;
    h.sum += ms;
    h.count++;
  }

  /** Prometheus text exposition; `gauges` are taken at scrape time. */
  render(gauges: Record<string, number>): string {
    const lines: string[] = [];
    for (const [name, value] of Object.entries(gauges))
      lines.push(`# TYPE ${name} gauge`, `${name} ${value}`);
    const typed = new Set<string>();
    for (const [key, value] of [...this.#counters].sort()) {
      const name = key.split("{")[0] as string;
      if (!typed.has(name)) lines.push(`# TYPE ${name} counter`);
      typed.add(name);
      lines.push(`${key} ${value}`);
    }
    lines.push("# TYPE lockgate_request_duration_ms histogram");
    for (const [route, h] of this.#latency) {
      for (const [i, le] of this.#buckets.entries()) {
        lines.push(
          `lockgate_request_duration_ms_bucket{route="${route}",le="${le}"} ${h.counts[i]}`,
        );
      }
      lines.push(`lockgate_request_duration_ms_bucket{route="${route}",le="+Inf"} ${h.count}`);
      lines.push(`lockgate_request_duration_ms_sum{route="${route}"} ${h.sum}`);
      lines.push(`lockgate_request_duration_ms_count{route="${route}"} ${h.count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

function series(name: string, labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`);
  return parts.length ? `${name}{${parts.join(",")}}` : name;
}
