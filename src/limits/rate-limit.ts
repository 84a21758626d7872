import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeaderMap } from '@apollo/server';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { DomainError, ErrorCode, httpStatus } from '../common/errors';
import type { Config } from '../config';

/** Whose budget a request spends: a user, an API key, or an anonymous caller's address. */
export type RateLimitKey = Readonly<{ kind: 'user' | 'api-key' | 'ip'; id: string }>;

/**
 * Per-principal budgets of query cost: each request spends its cost (at least one point) from
 * its principal's bucket, refilled every RATE_LIMIT_DURATION_S. In memory by default; in Redis
 * when REDIS_URL is set, so every API process spends from the same budget. If Redis fails,
 * each process falls back to its own memory budget rather than refusing or waving through.
 */
export class RateLimit {
  private constructor(
    private readonly principals: RateLimiterAbstract,
    private readonly anonymous: RateLimiterAbstract,
    private readonly redis: Redis | null,
  ) {}

  static create(config: Config['rateLimit'], log: Logger): RateLimit {
    const limiter = (prefix: string, points: number, redis: Redis | null): RateLimiterAbstract => {
      const options = {
        keyPrefix: `${config.keyPrefix}:${prefix}`,
        points,
        duration: config.durationS,
      };
      const memory = new RateLimiterMemory(options);
      return redis
        ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory })
        : memory;
    };
    const redis = config.redisUrl
      ? new Redis(config.redisUrl, {
          // A request must not wait for Redis to come back: the insurance limiter answers.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
          commandTimeout: 500,
        })
      : null;
    redis?.on('error', (error) => log.warn({ err: error }, 'rate-limit Redis error'));
    return new RateLimit(
      limiter('p', config.points, redis),
      limiter('ip', config.anonymousPoints, redis),
      redis,
    );
  }

  /** Spends `points` of `key`'s budget, or throws RATE_LIMITED with a Retry-After header. */
  async spend(key: RateLimitKey, points: number): Promise<void> {
    const limiter = key.kind === 'ip' ? this.anonymous : this.principals;
    try {
      await limiter.consume(`${key.kind}:${key.id}`, Math.max(1, Math.ceil(points)));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw rateLimited(rejection.msBeforeNext);
    }
  }

  /**
   * Resolves once Redis is connected, or after `timeoutMs` if it is not: until then each
   * process spends from its own memory budget (the insurance limiter), so a server that takes
   * requests before its Redis connection is up would let a shared budget be overspent.
   */
  async ready(timeoutMs: number): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    const abort = new AbortController();
    await Promise.race([
      once(redis, 'ready', { signal: abort.signal }).catch(() => undefined),
      sleep(timeoutMs, undefined, { signal: abort.signal }).catch(() => undefined),
    ]);
    abort.abort();
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

function rateLimited(msBeforeNext: number): DomainError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new DomainError(ErrorCode.RATE_LIMITED, `Too many requests: try again in ${seconds} s`, {
    retryAfter: seconds,
    http: {
      status: httpStatus(ErrorCode.RATE_LIMITED),
      headers: new HeaderMap([['retry-after', String(seconds)]]),
    },
  });
}
