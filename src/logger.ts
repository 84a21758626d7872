import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * How the JSON lines reach standard output: gathered into writes of at least this many bytes,
 * and written at least this often, instead of one `write(2)` per line. A line per request made
 * the request log one of the costliest steps of a small request (a system call on every
 * request, as dear as a round trip to PostgreSQL on a loaded machine; issue 17). What is still
 * buffered is written synchronously when the process exits (pino registers that), so only a
 * process killed outright loses its last second of lines.
 */
export const LOG_BUFFER_BYTES = 8192;
export const LOG_FLUSH_MS = 1000;

/**
 * Structured JSON logs. Credentials never reach a log line: the redaction below is a
 * second guard behind the code, which never logs headers or variables.
 *
 * With `pretty`, lines are formatted for a person at a terminal (pino-pretty, a development
 * dependency); without it, or where pino-pretty is not installed (the production image),
 * they stay JSON for a log collector.
 */
export function createLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const destination = options.pretty ? prettyStream() : undefined;
  const settings = {
    level,
    base: { service: 'dignity-graph' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        '*.token',
        '*.secret',
        '*.password',
      ],
      censor: '[redacted]',
    },
  };
  return pino(
    settings,
    destination ??
      pino.destination({
        dest: 1,
        sync: false,
        minLength: LOG_BUFFER_BYTES,
        periodicFlush: LOG_FLUSH_MS,
      }),
  );
}

/** Pretty lines only for a person: a terminal, outside production. Piped output stays JSON. */
export function wantsPrettyLogs(isProduction: boolean, stream = process.stdout): boolean {
  return !isProduction && stream.isTTY === true;
}

function prettyStream(): DestinationStream | undefined {
  try {
    // Loaded only when asked for: it is a development dependency, absent from the image.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    return pretty({
      colorize: true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,service',
    });
  } catch {
    return undefined;
  }
}
