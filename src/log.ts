// Structured logs: one JSON object per line on stderr (pino), so stdout stays for command output.
// The Logger interface is ours (message first, then fields) so modules do not depend on pino.
import { pino } from "pino";

export type LogLevel = "silent" | "error" | "warn" | "info" | "debug";

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const p = pino(
    {
      level,
      base: undefined,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write },
  );
  // The message goes first among the fields, so a line reads "what happened" before its details.
  return {
    error: (msg, fields = {}) => p.error({ msg, ...fields }),
    warn: (msg, fields = {}) => p.warn({ msg, ...fields }),
    info: (msg, fields = {}) => p.info({ msg, ...fields }),
    debug: (msg, fields = {}) => p.debug({ msg, ...fields }),
  };
}

export const silentLogger: Logger = createLogger("silent");
