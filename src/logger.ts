import pino, { type DestinationStream, type Logger } from 'pino';

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
  return destination ? pino(settings, destination) : pino(settings);
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
