import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Credentials never reach a log line: the redaction below is a
 * second guard behind the code, which never logs headers or variables.
 */
export function createLogger(level: string): Logger {
  return pino({
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
  });
}
