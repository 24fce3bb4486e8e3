import { usageError } from "./cli-error.ts";

export interface OptionSpec {
  readonly short?: string;
  /** Takes a value (`--timeout 5`, `--timeout=5`, `-w5`); otherwise a flag. */
  readonly value?: boolean;
}

export interface ParsedArgs {
  readonly options: Readonly<Record<string, string | true>>;
  readonly positionals: readonly string[];
  /** The command to run: everything after `--`, or from the first positional past `maxPositionals`. */
  readonly command: readonly string[];
}

/**
 * Parses options anywhere before the command, flock(1)-style: `run NAME -w 5 -- cmd args` and
 * `run NAME cmd args` both work, and nothing after the command starts is read as ours.
 */
export function parseArgs(
  argv: readonly string[],
  spec: Readonly<Record<string, OptionSpec>>,
  maxPositionals: number,
): ParsedArgs {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.short) byShort.set(s.short, name);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") return { options, positionals, command: argv.slice(i + 1) };
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const s = spec[name];
      if (!s) throw usageError(`unknown option --${name}`);
      if (!s.value) {
        if (eq >= 0) throw usageError(`--${name} takes no value`);
        options[name] = true;
        continue;
      }
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw usageError(`--${name} needs a value`);
      options[name] = value;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // Short flags may be grouped (-sn); a short option with a value takes the rest or the next.
      for (let j = 1; j < arg.length; j++) {
        const name = byShort.get(arg[j] as string);
        if (!name) throw usageError(`unknown option -${arg[j]}`);
        if (!spec[name]?.value) {
          options[name] = true;
          continue;
        }
        const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
        if (value === undefined) throw usageError(`-${arg[j]} needs a value`);
        options[name] = value;
        break;
      }
      continue;
    }
    if (positionals.length < maxPositionals) positionals.push(arg);
    else return { options, positionals, command: argv.slice(i) };
  }
  return { options, positionals, command: [] };
}

/** A non-negative number of seconds from an option, as ms. */
export function secondsOption(
  options: ParsedArgs["options"],
  name: string,
  fallbackMs: number,
): number {
  const raw = options[name];
  if (raw === undefined) return fallbackMs;
  const seconds = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  if (!(Number.isFinite(seconds) && seconds >= 0)) {
    throw usageError(`--${name} must be a number of seconds, got ${JSON.stringify(raw)}`);
  }
  return Math.round(seconds * 1000);
}

/** An exit status (0-255) from an option. */
export function exitCodeOption(
  options: ParsedArgs["options"],
  name: string,
  fallback: number,
): number {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const code = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(Number.isInteger(code) && code >= 0 && code <= 255)) {
    throw usageError(`--${name} must be an exit status from 0 to 255, got ${JSON.stringify(raw)}`);
  }
  return code;
}
