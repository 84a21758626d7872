import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Translated names (issue 21).
 *
 * - Every translatable row keeps its text as the source, now with the language it is in
 *   (`source_language`); tenants say which languages they use (`enabled_languages`).
 * - `translations` holds the other languages of tenant rows (projects, communities,
 *   activities, tenant indicators): a tenant table like the rows it translates, distributed by
 *   tenant_id on Citus. Each row points at what it translates through a composite foreign key
 *   of the same tenant, so a translation dies with its row. The row-security policies read the
 *   project id of the translation itself (Citus takes no sub-query in a policy), which must
 *   therefore always be its activity's: the key to the activity holds the project id, and an
 *   activity never moves to another project (updates do not take one, imports refuse it), so
 *   a move behind the API's back is refused while the activity has translations (no ON UPDATE
 *   CASCADE, which Citus refuses on a key holding the distribution column).
 * - `global_translations` holds those of global rows (tenants, organisations, global
 *   indicators), a reference table read by every request and written by no request, as the
 *   rows themselves.
 * - `search_fold(text)`: the form names are compared in by the search filters, lower-cased
 *   and with Uzbek Cyrillic spelled as Uzbek Latin (apostrophes dropped), so that "Mahalla"
 *   finds "Маҳалла". IMMUTABLE, so trigram indexes can be built on it.
 */
export class Translations1796168758186 implements MigrationInterface {
  name = 'Translations1796168758186';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`SET LOCAL statement_timeout = 0`);
    for (const table of SOURCE_TABLES) {
      await db.query(`ALTER TABLE ${table} ADD COLUMN source_language text NOT NULL DEFAULT 'en'
        CONSTRAINT ${table}_source_language_check CHECK (${LANGUAGE_TAG('source_language')})`);
    }
    await db.query(`ALTER TABLE tenants ADD COLUMN enabled_languages text[] NOT NULL
      DEFAULT '{en,ru,tg,ky,uz-Latn,uz-Cyrl}'
      CONSTRAINT tenants_enabled_languages_check CHECK (cardinality(enabled_languages) > 0)`);
    await db.query(`GRANT INSERT (source_language) ON projects, communities, activities, indicators
      TO dg_app`);
    // The target of activity translations' foreign key (which carries the project id).
    await db.query(`ALTER TABLE activities ADD CONSTRAINT activities_tenant_project_id_key
      UNIQUE (tenant_id, project_id, id)`);

    await db.query(foldFunction());
    await db.query(`GRANT EXECUTE ON FUNCTION search_fold(text) TO dg_app`);

    await db.query(`
      CREATE TABLE translations (
        tenant_id uuid NOT NULL,
        entity_type text NOT NULL
          CONSTRAINT translations_entity_type_check
          CHECK (entity_type IN ('project', 'community', 'activity', 'indicator')),
        entity_id uuid NOT NULL,
        field text NOT NULL
          CONSTRAINT translations_field_check CHECK (field IN ('name', 'description', 'title')),
        language text NOT NULL CONSTRAINT translations_language_check CHECK (${LANGUAGE_TAG('language')}),
        value text NOT NULL CONSTRAINT translations_value_check CHECK (length(value) BETWEEN 1 AND 4000),
        project_id uuid,
        community_id uuid,
        activity_id uuid,
        indicator_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        updated_by text,
        CONSTRAINT translations_pkey PRIMARY KEY (tenant_id, entity_type, entity_id, field, language),
        CONSTRAINT translations_target_check CHECK (CASE entity_type
          WHEN 'project' THEN project_id = entity_id AND num_nulls(community_id, activity_id, indicator_id) = 3
          WHEN 'activity' THEN activity_id = entity_id AND project_id IS NOT NULL
            AND num_nulls(community_id, indicator_id) = 2
          WHEN 'community' THEN community_id = entity_id AND num_nulls(project_id, activity_id, indicator_id) = 3
          ELSE indicator_id = entity_id AND num_nulls(project_id, activity_id, community_id) = 3 END)
      )`);
    await db.query(`CREATE INDEX translations_project_idx ON translations (tenant_id, project_id)`);
    await db.query(`CREATE INDEX translations_activity_idx ON translations
      (tenant_id, project_id, activity_id)`);
    await db.query(
      `CREATE INDEX translations_community_idx ON translations (tenant_id, community_id)`,
    );
    await db.query(`CREATE INDEX translations_indicator_idx ON translations (indicator_id)`);
    await db.query(`CREATE INDEX translations_search_trgm_idx ON translations
      USING gin (search_fold(value) gin_trgm_ops)`);

    await db.query(`
      CREATE TABLE global_translations (
        entity_type text NOT NULL
          CONSTRAINT global_translations_entity_type_check
          CHECK (entity_type IN ('tenant', 'organisation', 'indicator')),
        entity_id uuid NOT NULL,
        field text NOT NULL
          CONSTRAINT global_translations_field_check CHECK (field IN ('name', 'description')),
        language text NOT NULL
          CONSTRAINT global_translations_language_check CHECK (${LANGUAGE_TAG('language')}),
        value text NOT NULL
          CONSTRAINT global_translations_value_check CHECK (length(value) BETWEEN 1 AND 4000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT global_translations_pkey PRIMARY KEY (entity_type, entity_id, field, language)
      )`);
    await db.query(`CREATE INDEX global_translations_search_trgm_idx ON global_translations
      USING gin (search_fold(value) gin_trgm_ops)`);

    // The source texts are searched in the same form.
    for (const [table, column] of SEARCHED) {
      await db.query(`CREATE INDEX ${table}_${column}_fold_trgm_idx ON ${table}
        USING gin (search_fold(${column}) gin_trgm_ops)`);
    }

    for (const table of ['translations', 'global_translations']) {
      await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await db.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }
    const { read, write } = translationPolicies();
    await db.query(`CREATE POLICY read ON translations FOR SELECT USING ${read}`);
    await db.query(`CREATE POLICY write_insert ON translations FOR INSERT WITH CHECK ${write}`);
    await db.query(`CREATE POLICY write_update ON translations FOR UPDATE USING ${write}
      WITH CHECK ${write}`);
    await db.query(`CREATE POLICY write_delete ON translations FOR DELETE USING ${write}`);
    await db.query(`GRANT SELECT, DELETE ON translations TO dg_app`);
    await db.query(`GRANT INSERT (tenant_id, entity_type, entity_id, field, language, value,
      project_id, community_id, activity_id, indicator_id, created_by, updated_by)
      ON translations TO dg_app`);
    await db.query(`GRANT UPDATE (value, updated_at, updated_by) ON translations TO dg_app`);
    // Names of global rows are public to every request, as the rows are.
    await db.query(`CREATE POLICY read ON global_translations FOR SELECT USING (true)`);
    await db.query(`GRANT SELECT ON global_translations TO dg_app`);

    await db.query(`SELECT distribute_tables()`);
    for (const statement of FOREIGN_KEYS) await db.query(statement);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
          PERFORM create_reference_table('global_translations');
        END IF;
      END $$`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE global_translations`);
    await db.query(`DROP TABLE translations`);
    for (const [table, column] of SEARCHED) {
      await db.query(`DROP INDEX ${table}_${column}_fold_trgm_idx`);
    }
    await db.query(`DROP FUNCTION search_fold(text)`);
    await db.query(`ALTER TABLE activities DROP CONSTRAINT activities_tenant_project_id_key`);
    await db.query(`ALTER TABLE tenants DROP COLUMN enabled_languages`);
    for (const table of SOURCE_TABLES) {
      await db.query(`ALTER TABLE ${table} DROP COLUMN source_language`);
    }
  }
}

/**
 * The keys of translations, added once the table is distributed (Citus refuses a key from a
 * local table to a distributed one, so it cannot be created with them).
 */
const FOREIGN_KEYS = [
  `ALTER TABLE translations ADD CONSTRAINT translations_tenant_id_fkey FOREIGN KEY (tenant_id)
     REFERENCES tenants (id) ON DELETE RESTRICT`,
  `ALTER TABLE translations ADD CONSTRAINT translations_tenant_id_project_id_fkey
     FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE`,
  `ALTER TABLE translations ADD CONSTRAINT translations_tenant_id_project_id_activity_id_fkey
     FOREIGN KEY (tenant_id, project_id, activity_id)
     REFERENCES activities (tenant_id, project_id, id) ON DELETE CASCADE`,
  `ALTER TABLE translations ADD CONSTRAINT translations_tenant_id_community_id_fkey
     FOREIGN KEY (tenant_id, community_id) REFERENCES communities (tenant_id, id) ON DELETE CASCADE`,
  `ALTER TABLE translations ADD CONSTRAINT translations_indicator_id_fkey FOREIGN KEY (indicator_id)
     REFERENCES indicators (id) ON DELETE CASCADE`,
];

const SOURCE_TABLES = [
  'tenants',
  'organisations',
  'projects',
  'communities',
  'activities',
  'indicators',
];

// Not activities: the table partners bulk-import into, where a second trigram index on a
// function of the title would slow every import; a title search is narrowed by tenant and
// project first, and folds the titles it reads.
const SEARCHED: readonly [string, string][] = [
  ['projects', 'name'],
  ['communities', 'name'],
  ['indicators', 'name'],
];

/** A BCP 47 tag of the shapes we use: language, optional script, optional region. */
const LANGUAGE_TAG = (column: string) =>
  `${column} ~ '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$'`;

/** The policies of translations: those of the row each one translates. */
function translationPolicies(): { read: string; write: string } {
  const setting = (name: string) => `(app_uuid_setting('${name}'))`;
  const READ = setting('app.tenant_ids');
  const PARTNER = setting('app.partner_tenant_ids');
  const PROJECTS = setting('app.partner_project_ids');
  const COMMUNITIES = setting('app.partner_community_ids');
  const WRITE = setting('app.write_tenant_ids');
  const readsProject = (p: string) =>
    `(tenant_id = ANY ${READ} AND (NOT (tenant_id = ANY ${PARTNER}) OR ${p} = ANY ${PROJECTS}))`;
  const writesTenant = `(tenant_id = ANY ${WRITE} AND NOT (tenant_id = ANY ${PARTNER}))`;
  // Without CASE: Citus refuses a STABLE function (the settings' reader) inside a CASE of a
  // write ("non-IMMUTABLE functions are not allowed in CASE or COALESCE statements"), and
  // the policies join a write's conditions. entity_type is never NULL (its check).
  return {
    read: `((entity_type IN ('project', 'activity') AND ${readsProject('project_id')})
      OR (entity_type = 'community' AND tenant_id = ANY ${READ}
        AND (NOT (tenant_id = ANY ${PARTNER}) OR community_id = ANY ${COMMUNITIES}))
      OR (entity_type NOT IN ('project', 'activity', 'community') AND tenant_id = ANY ${READ}))`,
    write: `((entity_type = 'activity' AND tenant_id = ANY ${WRITE} AND ${readsProject('project_id')})
      OR (entity_type <> 'activity' AND ${writesTenant}))`,
  };
}

/*
 * Uzbek Cyrillic as Uzbek Latin writes it (the 1995 alphabet), after lower-casing; Russian,
 * Tajik and Kyrgyz letters go the same way, which is harmless: both sides of a comparison
 * are folded alike. Apostrophes (oʻ, gʻ, the tutuq belgisi ʼ, ъ) and the soft sign are
 * dropped, as people searching rarely type them, and "ye" is read as "e" because Cyrillic е
 * is written "ye" at the start of a word.
 */
const UPPER = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯҒҚҲЎҶӢӮҢҮӨ';
const LOWER = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюяғқҳўҷӣӯңүө';
const MULTI: readonly [string, string][] = [
  ['щ', 'shch'],
  ['ш', 'sh'],
  ['ч', 'ch'],
  ['ё', 'yo'],
  ['ю', 'yu'],
  ['я', 'ya'],
];
const SINGLE_FROM = 'абвгдежзийклмнопрстуфхцыэғқҳўҷӣӯңүө';
const SINGLE_TO = 'abvgdejziyklmnoprstufxsieg' + 'qhojiunuo';
const DROPPED = `ъьʻʼ‘’'\`ʹ`;

function foldFunction(): string {
  if (UPPER.length !== LOWER.length || SINGLE_FROM.length !== SINGLE_TO.length) {
    throw new Error('search_fold: the letter tables differ in length');
  }
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  let body = `lower(translate($1, ${literal(UPPER)}, ${literal(LOWER)}))`;
  body = `translate(${body}, ${literal(DROPPED)}, '')`;
  for (const [from, to] of MULTI) body = `replace(${body}, '${from}', '${to}')`;
  body = `translate(${body}, ${literal(SINGLE_FROM)}, ${literal(SINGLE_TO)})`;
  body = `replace(${body}, 'ye', 'e')`;
  return `CREATE FUNCTION search_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT ${body} $$`;
}
