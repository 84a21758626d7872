import { ConfigError, loadConfig } from '../../src/config';

describe('configuration of limits and operations', () => {
  it('turns every limit on by default', () => {
    const config = loadConfig({});
    expect(config.queryLimits).toEqual({
      depth: 15,
      aliases: 15,
      tokens: 2000,
      directives: 50,
      cost: 50_000,
    });
    expect(config.corsOrigins).toEqual([]);
    expect(config.rateLimit).toMatchObject({
      points: 100_000,
      anonymousPoints: 1000,
      durationS: 60,
    });
    expect(config.rateLimit.redisUrl).toBeUndefined();
    expect(config.testRequestDelayMs).toBe(0);
  });

  it('reads the CORS allowlist as a comma-separated list of origins', () => {
    expect(
      loadConfig({ CORS_ORIGINS: 'https://a.example, http://b.example:8080' }).corsOrigins,
    ).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(() => loadConfig({ CORS_ORIGINS: 'not a url' })).toThrow(/CORS_ORIGINS/);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ MAX_QUERY_DEPTH: '0' })).toThrow(/MAX_QUERY_DEPTH/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });

  it('refuses the test-only delay outside NODE_ENV=test', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: 'x'.repeat(32),
        TEST_REQUEST_DELAY_MS: '100',
      }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ TEST_REQUEST_DELAY_MS: '100' })).toThrow(/TEST_REQUEST_DELAY_MS/);
    expect(loadConfig({ NODE_ENV: 'test', TEST_REQUEST_DELAY_MS: '100' }).testRequestDelayMs).toBe(
      100,
    );
  });
});
