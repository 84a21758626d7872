import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadConfig } from '../../src/config';

// Docker cannot run on the development and CI machines, so the container files are checked by
// reading them: docker-compose.yml and the Dockerfile it builds must agree with each other and
// with the configuration the API validates at start (src/config.ts).

const ROOT = resolve(__dirname, '..', '..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const DOCKERFILE = join(ROOT, 'Dockerfile');

/** The only variable that may be used without a default: compose must refuse to start without it. */
const REQUIRED_VARIABLES = new Set(['JWT_SECRET']);

type Reference = Readonly<{ name: string; operator: string; argument: string }>;

/**
 * Every variable reference in a compose file (`$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR:?message}`, ...), skipping the `$$` escape.
 */
function variableReferences(text: string): Reference[] {
  const references: Reference[] = [];
  for (const match of text.matchAll(/\$(?:\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g)) {
    if (match[0] === '$$') continue;
    const braced = match[1];
    if (braced === undefined) {
      references.push({ name: match[2] ?? '', operator: '', argument: '' });
      continue;
    }
    const parts = /^([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?(.*)$/s.exec(braced);
    references.push({
      name: parts?.[1] ?? braced,
      operator: parts?.[2] ?? '',
      argument: parts?.[3] ?? '',
    });
  }
  return references;
}

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?error}` (enough for this file). */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (whole, name?: string, operator?: string, argument?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const value = env[(name ?? bare) as string];
      const unset = operator?.startsWith(':') ? !value : value === undefined;
      if (!unset) return value ?? '';
      if (operator?.endsWith('?')) throw new Error(`compose would refuse: ${argument ?? ''}`);
      return operator?.endsWith('-') ? (argument ?? '') : '';
    },
  );
}

const stringList = z.union([z.string(), z.array(z.string())]);
const healthcheck = z.object({ test: stringList });
const environment = z.union([
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  z.array(z.string()),
]);
const composeFile = z.object({
  version: z.unknown().optional(),
  services: z.object({
    postgres: z.object({
      image: z.string(),
      environment,
      volumes: z.array(z.string()).default([]),
      healthcheck,
    }),
    api: z.object({
      build: z.union([
        z.string(),
        z.object({ context: z.string().default('.'), dockerfile: z.string().optional() }),
      ]),
      depends_on: z.record(z.string(), z.object({ condition: z.string().optional() })),
      environment,
      ports: z.array(
        z.union([
          z.string(),
          z.number(),
          z.object({ target: z.coerce.number(), published: z.coerce.number().optional() }),
        ]),
      ),
      healthcheck,
    }),
  }),
  volumes: z.record(z.string(), z.unknown()).nullish(),
});
type Environment = z.infer<typeof environment>;

/** A compose `environment` (map or `KEY=value` list) as a plain map of strings. */
function envMap(env: Environment): Record<string, string> {
  const entries = Array.isArray(env)
    ? env.map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries) as Record<string, string>;
}

function healthcheckCommand(check: z.infer<typeof healthcheck>): string {
  return Array.isArray(check.test) ? check.test.join(' ') : check.test;
}

const composeText = readFileSync(COMPOSE_FILE, 'utf8');
/** The file as compose sees it with JWT_SECRET set and nothing else: every other default applies. */
const compose = composeFile.parse(
  parse(interpolate(composeText, { JWT_SECRET: 'x'.repeat(32) })) as unknown,
);
const { postgres, api } = compose.services;
const postgresEnv = envMap(postgres.environment);
const apiEnv = envMap(api.environment);

describe('docker-compose.yml', () => {
  it('has no obsolete `version` key', () => {
    expect(compose.version).toBeUndefined();
  });

  it('runs PostgreSQL 15 with its data in a named volume and a pg_isready healthcheck', () => {
    expect(postgres.image).toMatch(/^postgres:15(\b|$)/);
    expect(postgresEnv.POSTGRES_PASSWORD).toBeTruthy();
    expect(postgresEnv.POSTGRES_DB).toBe('dignity_graph');
    const volume = postgres.volumes.find((v) => v.split(':')[1] === '/var/lib/postgresql/data');
    expect(volume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(volume?.split(':')[0]);
    expect(healthcheckCommand(postgres.healthcheck)).toContain('pg_isready');
  });

  it('builds the api from the repository root, where the Dockerfile is', () => {
    const build = typeof api.build === 'string' ? { context: api.build } : api.build;
    expect(resolve(ROOT, build.context)).toBe(ROOT);
    const dockerfile = resolve(ROOT, build.context, build.dockerfile ?? 'Dockerfile');
    expect(existsSync(dockerfile)).toBe(true);
  });

  it('starts the api once PostgreSQL is healthy', () => {
    expect(api.depends_on.postgres?.condition).toBe('service_healthy');
  });

  it("points DATABASE_URL at the postgres service with that service's database and password", () => {
    const url = new URL(apiEnv.DATABASE_URL ?? '');
    expect(url.protocol).toMatch(/^postgres(ql)?:$/);
    expect(url.hostname).toBe('postgres');
    expect(url.port === '' || url.port === '5432').toBe(true);
    expect(url.pathname).toBe(`/${postgresEnv.POSTGRES_DB}`);
    expect(decodeURIComponent(url.username)).toBe(postgresEnv.POSTGRES_USER ?? 'postgres');
    expect(decodeURIComponent(url.password)).toBe(postgresEnv.POSTGRES_PASSWORD);
  });

  it('gives the api an environment that the configuration accepts, in production mode', () => {
    const config = loadConfig(apiEnv);
    expect(config.isProduction).toBe(true);
    expect(config.port).toBe(4000);
    expect(config.databaseUrl).toBe(apiEnv.DATABASE_URL);
  });

  it('does not seed in production by default: no demo users or illustrative figures', () => {
    expect(apiEnv.SEED_ON_START).toBe('false');
    expect(loadConfig(apiEnv).seedOnStart).toBe(false);
    // Only someone asking for the demo programme gets it.
    const seeded = envMap(
      composeFile.parse(
        parse(interpolate(composeText, { JWT_SECRET: 'x'.repeat(32), SEED_ON_START: 'true' })),
      ).services.api.environment,
    );
    expect(loadConfig(seeded).seedOnStart).toBe(true);
  });

  it('listens on every interface inside the container (the default is loopback)', () => {
    expect(loadConfig(apiEnv).host).toBe('0.0.0.0');
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y', JWT_SECRET: 'x'.repeat(32) }).host).toBe(
      '127.0.0.1',
    );
  });

  it('publishes port 4000 as 4000', () => {
    const mappings = api.ports.map((port) => {
      if (typeof port === 'object') return { published: port.published, target: port.target };
      const parts = String(port).split('/')[0]!.split(':');
      return { published: Number(parts.at(-2)), target: Number(parts.at(-1)) };
    });
    expect(mappings).toContainEqual({ published: 4000, target: 4000 });
  });

  it('checks the api through /readyz with node (the slim image has no curl)', () => {
    const command = healthcheckCommand(api.healthcheck);
    expect(command).toContain('/readyz');
    expect(command).toMatch(/\bnode\b/);
    expect(command).not.toMatch(/\b(curl|wget)\b/);
  });

  it('uses no variable without a default, except JWT_SECRET which it requires', () => {
    const references = variableReferences(composeText);
    expect(references.length).toBeGreaterThan(0);
    for (const { name, operator, argument } of references) {
      if (REQUIRED_VARIABLES.has(name)) {
        // `${JWT_SECRET:?message}`: compose stops with the message when it is unset or empty.
        expect({ name, operator }).toEqual({ name, operator: ':?' });
        expect(argument).toContain(name);
      } else {
        // `${VAR:-default}` or `${VAR-default}`.
        expect({ name, hasDefault: /^:?-$/.test(operator) }).toEqual({ name, hasDefault: true });
      }
    }
    expect(references.map((r) => r.name)).toContain('JWT_SECRET');
    expect(() => interpolate(composeText, {})).toThrow(/JWT_SECRET/);
  });
});

/** The Dockerfile's instructions, with continuation lines joined and comments dropped. */
function dockerInstructions(text: string): { keyword: string; args: string }[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const at = line.search(/\s/);
      return at < 0
        ? { keyword: line.toUpperCase(), args: '' }
        : { keyword: line.slice(0, at).toUpperCase(), args: line.slice(at).trim() };
    });
}

describe('docker-compose.yml, citus profile', () => {
  // Compose merges `<<` keys (YAML 1.1); the yaml library does so when asked.
  const services = (
    parse(interpolate(composeText, { JWT_SECRET: 'x'.repeat(32) }), { merge: true }) as {
      services: Record<
        string,
        {
          image?: string;
          profiles?: string[];
          command?: string[];
          environment?: Record<string, string>;
          volumes?: string[];
          depends_on?: Record<string, { condition?: string }>;
        }
      >;
    }
  ).services;
  const NODES = ['citus-coordinator', 'citus-worker1', 'citus-worker2'];

  it('runs a coordinator and two workers from the citusdata/citus image, in the profile only', () => {
    for (const name of [...NODES, 'citus-setup']) {
      const service = services[name];
      expect({ name, image: service?.image }).toEqual({
        name,
        image: expect.stringMatching(/^citusdata\/citus:13\./) as unknown,
      });
      expect({ name, profiles: service?.profiles }).toEqual({ name, profiles: ['citus'] });
    }
    expect(services.postgres?.profiles).toBeUndefined();
    expect(services.api?.profiles).toBeUndefined();
  });

  it('gives every node its own data volume, the database the API uses and SET propagation', () => {
    const volumes = NODES.map((name) => services[name]?.volumes?.[0]?.split(':')[0]);
    expect(new Set(volumes).size).toBe(NODES.length);
    for (const [name, volume] of NODES.map((n, i) => [n, volumes[i]] as const)) {
      expect(Object.keys(compose.volumes ?? {})).toContain(volume);
      expect({ name, db: services[name]?.environment?.POSTGRES_DB }).toEqual({
        name,
        db: postgresEnv.POSTGRES_DB,
      });
      expect({ name, command: services[name]?.command }).toEqual({
        name,
        command: expect.arrayContaining(['citus.propagate_set_commands=local']) as unknown,
      });
    }
  });

  it('registers the coordinator and both workers once all three are healthy', () => {
    const setup = services['citus-setup']!;
    expect(Object.keys(setup.depends_on ?? {}).sort()).toEqual([...NODES].sort());
    for (const node of NODES) expect(setup.depends_on?.[node]?.condition).toBe('service_healthy');
    const sql = (setup.command ?? []).join(' ');
    expect(sql).toContain("citus_set_coordinator_host('citus-coordinator', 5432)");
    for (const worker of NODES.slice(1)) {
      expect(sql).toContain(`citus_add_node('${worker}', 5432)`);
    }
  });
});

describe('Dockerfile', () => {
  const instructions = dockerInstructions(readFileSync(DOCKERFILE, 'utf8'));
  // Only the last stage ends up in the image.
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  const finalStage = instructions.slice(lastFrom);
  const last = (keyword: string) => finalStage.filter((i) => i.keyword === keyword).at(-1);

  it('is multi-stage on node:24-bookworm-slim', () => {
    const froms = instructions.filter((i) => i.keyword === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const image = instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    const bases = froms.map((i) => i.args.replace('${NODE_IMAGE}', image?.args.slice(11) ?? ''));
    expect(bases.every((base) => base.startsWith('node:24-bookworm-slim'))).toBe(true);
  });

  it('has a HEALTHCHECK on /readyz', () => {
    expect(last('HEALTHCHECK')?.args).toContain('/readyz');
  });

  it('runs as a non-root user', () => {
    const user = last('USER')?.args.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('starts dist/src/main.js in production mode', () => {
    const cmd = last('CMD')?.args ?? '';
    expect(cmd.startsWith('[') ? (JSON.parse(cmd) as string[]) : cmd.split(/\s+/)).toEqual([
      'node',
      'dist/src/main.js',
    ]);
    const env = finalStage.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    expect(env.some((args) => /(^|\s)NODE_ENV[= ]"?production"?(\s|$)/.test(args))).toBe(true);
    expect(last('EXPOSE')?.args.split(/\s+/)).toContain('4000');
  });

  it('puts the operator CLI on PATH and listens on every interface', () => {
    const runs = finalStage.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((run) => run.includes('/usr/local/bin/dignity-graph'))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.bin['dignity-graph']).toBe('dist/src/scripts/cli.js');
    // The CLI runs with production dependencies only.
    expect(pkg.dependencies.commander).toBeDefined();
    const env = finalStage.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    expect(env.some((args) => /(^|\s)HOST[= ]"?0\.0\.0\.0"?(\s|$)/.test(args))).toBe(true);
  });

  it('installs only production dependencies in the final stage', () => {
    const runs = finalStage.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
  });
});

describe('.dockerignore', () => {
  it('keeps host builds, dependencies and local data out of the context', () => {
    const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim().replace(/\/$/, ''));
    expect(patterns).toEqual(
      expect.arrayContaining(['node_modules', 'dist', '.data', 'coverage', '.git']),
    );
  });
});
