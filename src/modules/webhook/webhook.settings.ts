import type { Config } from '../../config';

/** The webhook settings of the process, set once by createApp or the worker script. */
let current: Config['webhooks'] = Object.freeze({
  inProcess: true,
  allowLoopback: false,
  timeoutMs: 15_000,
  pollMs: 1000,
  retryScheduleS: Object.freeze([5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400]),
});

export function configureWebhooks(settings: Config['webhooks']): void {
  current = settings;
}

export const webhookSettings = (): Config['webhooks'] => current;
