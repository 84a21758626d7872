import { ApiKeyUsage, type UsageWriter } from '../../src/auth/api-key-usage';

/** A pool that records its statements, and a clock the test moves by hand. */
function setUp(fail = false) {
  const writes: unknown[][] = [];
  const errors: unknown[] = [];
  const pool: UsageWriter = {
    query: (_text, values) => {
      writes.push(values);
      return fail ? Promise.reject(new Error('database down')) : Promise.resolve();
    },
  };
  let now = Date.parse('2026-01-01T12:00:00Z');
  const usage = new ApiKeyUsage(
    pool,
    { error: (obj: unknown) => errors.push(obj) } as never,
    60_000,
    () => now,
  );
  return { usage, writes, errors, advance: (ms: number) => (now += ms), at: () => new Date(now) };
}

describe('recording when an API key was last used', () => {
  it('writes for a key never used, then not again within the minute', () => {
    const { usage, writes, advance } = setUp();
    expect(usage.touch('k1', null)).toBe(true);
    // The next request still reads null (the write is not awaited): the throttle holds it back.
    expect(usage.touch('k1', null)).toBe(false);
    advance(59_000);
    expect(usage.touch('k1', null)).toBe(false);
    expect(writes).toEqual([['k1', 60]]);
  });

  it('writes again once a minute has passed', () => {
    const { usage, writes, advance } = setUp();
    usage.touch('k1', null);
    advance(60_000);
    expect(usage.touch('k1', null)).toBe(true);
    expect(writes).toHaveLength(2);
  });

  it('does not write when the stored value is less than a minute old, even in a fresh process', () => {
    const { usage, writes, at, advance } = setUp();
    const stored = at();
    advance(30_000);
    expect(usage.touch('k1', stored)).toBe(false);
    advance(31_000);
    expect(usage.touch('k1', stored)).toBe(true);
    expect(writes).toHaveLength(1);
  });

  it('throttles each key on its own', () => {
    const { usage, writes } = setUp();
    expect(usage.touch('k1', null)).toBe(true);
    expect(usage.touch('k2', null)).toBe(true);
    expect(writes.map((values) => values[0])).toEqual(['k1', 'k2']);
  });

  it('logs a failed write instead of failing the request', async () => {
    const { usage, errors } = setUp(true);
    expect(usage.touch('k1', null)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
  });
});
