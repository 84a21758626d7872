import type { EntityMetadata } from 'typeorm';
import { Role, Scope } from '../../src/auth/principal';
import { ActivityType, AgeBand } from '../../src/modules/activity/activity.entity';
import { ApiKeyEntity } from '../../src/modules/api-key/api-key.entity';
import { AuditPrincipalKind } from '../../src/modules/audit/audit-event.entity';
import { Settlement } from '../../src/modules/community/community.entity';
import {
  IndicatorDirection,
  IndicatorEntity,
  IndicatorUnit,
} from '../../src/modules/indicator/indicator.entity';
import {
  MeasurementEntity,
  MeasurementPeriod,
  Sex,
} from '../../src/modules/measurement/measurement.entity';
import {
  OrganisationEntity,
  OrganisationKind,
} from '../../src/modules/organisation/organisation.entity';
import {
  ProjectEntity,
  ProjectOrganisationRole,
  ProjectStatus,
} from '../../src/modules/project/project.entity';
import { AggregationLevel } from '../../src/modules/sharing-agreement/sharing-agreement.entity';
import { TenantEntity } from '../../src/modules/tenant/tenant.entity';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// The migration is the source of truth; these tests prove the entities describe exactly the
// database it builds, so TypeORM never reads or writes a column that is not there.
describe('the entities', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const entities = (): EntityMetadata[] => db.dataSource.entityMetadatas;

  it('map every table the migration creates, and no other', async () => {
    const rows: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> $1`,
      [db.dataSource.options.migrationsTableName],
    );
    // The changes feed's and webhooks' tables are read and written by their module's SQL only
    // (src/modules/changes, src/modules/webhook) and have no entity yet: work left, issue 19.
    // So are the spreadsheet import jobs (src/modules/spreadsheet/spreadsheet.jobs.ts).
    const sqlOnly = new Set([
      'change_feed_keys',
      'change_log',
      'import_job_rows',
      'import_jobs',
      'webhook_attempts',
      'webhook_deliveries',
      'webhook_dispatch_positions',
      'webhook_endpoint_secrets',
      'webhook_endpoints',
    ]);
    const tables = rows
      .map((r) => r.table_name)
      .filter((name) => !sqlOnly.has(name))
      .sort();
    expect(
      entities()
        .map((e) => e.tableName)
        .sort(),
    ).toEqual(tables);
  });

  it('leave TypeORM nothing to change in the migrated database', async () => {
    // Columns, types, nullability, defaults, primary keys, unique constraints, foreign keys
    // (by name, target and ON DELETE), indexes (by name, columns, uniqueness and method) and
    // CHECK constraints (by name) must all agree, or the schema builder emits SQL to fix them.
    const sql = await db.dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('declare each CHECK constraint with the expression the migration gave it', async () => {
    // The schema builder compares checks by name only. PostgreSQL rewrites expressions
    // (IN becomes = ANY (ARRAY[…]), BETWEEN becomes >= AND <=), so each declared expression is
    // added to a scratch copy of its table and PostgreSQL's rendering of both is compared.
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      for (const entity of entities()) {
        const actual = await checksOf(runner.query.bind(runner), entity.tableName);
        await runner.query(`CREATE TEMP TABLE probe (LIKE "${entity.tableName}") ON COMMIT DROP`);
        for (const check of entity.checks) {
          await runner.query(
            `ALTER TABLE probe ADD CONSTRAINT "${check.name}" CHECK (${check.expression})`,
          );
        }
        expect({
          table: entity.tableName,
          checks: await checksOf(runner.query.bind(runner), 'probe'),
        }).toEqual({ table: entity.tableName, checks: actual });
        await runner.query(`DROP TABLE probe`);
      }
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('declare each partial index with the predicate the migration gave it', async () => {
    // Not compared by the schema builder either: the same index is built on a scratch copy of
    // the table from the declared predicate, and PostgreSQL's rendering of both is compared.
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      for (const entity of entities()) {
        for (const index of entity.indices.filter((i) => i.where !== undefined)) {
          await runner.query(`CREATE TEMP TABLE probe (LIKE "${entity.tableName}") ON COMMIT DROP`);
          const columns = index.columns.map((c) => `"${c.databaseName}"`).join(', ');
          await runner.query(`CREATE INDEX probe_idx ON probe (${columns}) WHERE ${index.where}`);
          const predicate = async (name: string): Promise<string | undefined> => {
            const rows = (await runner.query(
              `SELECT pg_get_expr(indpred, indrelid) AS predicate FROM pg_index
                WHERE indexrelid = to_regclass($1)`,
              [name],
            )) as { predicate: string }[];
            return rows[0]?.predicate;
          };
          const actual = await predicate(`public.${index.name ?? ''}`);
          expect(actual).toBeDefined();
          expect({ index: index.name, predicate: await predicate('pg_temp.probe_idx') }).toEqual({
            index: index.name,
            predicate: actual,
          });
          await runner.query(`DROP TABLE probe`);
        }
      }
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('name every index TypeORM cannot describe, and the database has it', async () => {
    // Indexes declared with `synchronize: false` (an expression index) are neither created nor
    // dropped by the schema builder, so their existence is checked here.
    const unsynchronised = entities().flatMap((e) =>
      e.indices.filter((i) => !i.synchronize).map((i) => ({ table: e.tableName, name: i.name })),
    );
    expect(unsynchronised.length).toBeGreaterThan(0);
    for (const { table, name } of unsynchronised) {
      const rows: unknown[] = await db.dataSource.query(
        `SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 AND indexname = $2`,
        [table, name],
      );
      expect({ table, name, exists: rows.length === 1 }).toEqual({ table, name, exists: true });
    }
  });

  it('write and read rows with their values in the declared TypeScript types', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const em = runner.manager;
      const tenant = await em.save(em.create(TenantEntity, { code: 'KG', name: 'Kyrgyzstan' }));
      await em.query(`SELECT set_config('app.tenant_ids', $1, true)`, [tenant.id]);
      const partner = await em.save(
        em.create(OrganisationEntity, { name: 'Partner', kind: OrganisationKind.PARTNER_NGO }),
      );
      const project = await em.save(
        em.create(ProjectEntity, {
          tenantId: tenant.id,
          code: 'P-1',
          name: 'Safe homes',
          status: ProjectStatus.ACTIVE,
          startDate: '2025-01-15',
        }),
      );
      const indicator = await em.save(
        em.create(IndicatorEntity, {
          tenantId: null,
          code: 'VIOLENCE_ACCEPTANCE',
          name: 'Acceptance of violence',
          unit: IndicatorUnit.PERCENT,
          direction: IndicatorDirection.DECREASE_IS_BETTER,
        }),
      );
      const measurement = await em.save(
        em.create(MeasurementEntity, {
          tenantId: tenant.id,
          indicatorId: indicator.id,
          projectId: project.id,
          communityId: null,
          period: MeasurementPeriod.BASELINE,
          measuredOn: '2025-03-31',
          value: '12.3456',
          sex: Sex.FEMALE,
          ageBand: AgeBand.AGE_25_49,
          recordedByOrganisationId: partner.id,
        }),
      );
      const key = await em.save(
        em.create(ApiKeyEntity, {
          organisationId: partner.id,
          name: 'Import',
          prefix: 'abcd1234',
          secretHash: Buffer.from([0, 1, 2, 255]),
          tenantIds: [tenant.id],
          scopes: [Scope.READ, Scope.WRITE],
        }),
      );

      expect(
        await em.findOneOrFail(MeasurementEntity, {
          where: { tenantId: tenant.id, id: measurement.id },
          relations: { project: true, indicator: true },
        }),
      ).toMatchObject({
        measuredOn: '2025-03-31',
        value: '12.3456',
        ageBand: AgeBand.AGE_25_49,
        version: 1,
        createdAt: expect.any(Date) as Date,
        project: { tenantId: tenant.id, id: project.id, startDate: '2025-01-15', endDate: null },
        indicator: { id: indicator.id, tenantId: null },
      });
      expect(await em.findOneByOrFail(ApiKeyEntity, { id: key.id })).toMatchObject({
        secretHash: Buffer.from([0, 1, 2, 255]),
        tenantIds: [tenant.id],
        scopes: [Scope.READ, Scope.WRITE],
        expiresAt: null,
      });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it.each<[table: string, column: string, values: readonly string[]]>([
    ['organisations', 'kind', Object.values(OrganisationKind)],
    // Platform administration is a flag on the user, never a membership.
    ['memberships', 'role', Object.values(Role).filter((r) => r !== Role.PLATFORM_ADMIN)],
    ['projects', 'status', Object.values(ProjectStatus)],
    ['project_organisations', 'role', Object.values(ProjectOrganisationRole)],
    ['communities', 'settlement', Object.values(Settlement)],
    ['indicators', 'unit', Object.values(IndicatorUnit)],
    ['indicators', 'direction', Object.values(IndicatorDirection)],
    ['activities', 'type', Object.values(ActivityType)],
    ['activities', 'age_band', Object.values(AgeBand)],
    ['measurements', 'period', Object.values(MeasurementPeriod)],
    ['measurements', 'sex', Object.values(Sex)],
    ['measurements', 'age_band', Object.values(AgeBand)],
    ['api_keys', 'scopes', Object.values(Scope)],
    ['audit_events', 'principal_kind', Object.values(AuditPrincipalKind)],
    ['sharing_agreements', 'finest_level', Object.values(AggregationLevel)],
  ])('give %s.%s exactly the values its CHECK constraint allows', async (table, column, values) => {
    const [row]: { def: string }[] = await db.dataSource.query(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = $1::regclass AND conname = $2`,
      [table, `${table}_${column}_check`],
    );
    const allowed = [...(row?.def ?? '').matchAll(/'([^']*)'::text/g)].map((m) => m[1]);
    expect(allowed.sort()).toEqual([...values].sort());
  });
});

type Query = (sql: string, parameters?: unknown[]) => Promise<{ name: string; def: string }[]>;

/** The CHECK constraints of a table as PostgreSQL renders them, by name. */
async function checksOf(query: Query, table: string): Promise<Record<string, string>> {
  const rows = await query(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE conrelid = $1::regclass AND contype = 'c'`,
    [table],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.def]));
}
