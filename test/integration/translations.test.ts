import { SEED_IDS } from '../../seeds/programme';
import { setLocal } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';
import { CREATE_ACTIVITY, tjActivity, UPDATE_ACTIVITY } from '../helpers/writes';

/**
 * Issue 21: names in the languages of the people who read them, chosen per request (the
 * operation's @locale, else Accept-Language), with explicit fallback chains, and written only
 * by who may write the row.
 */
describe('translations', () => {
  let server: TestServer;
  let platform: string;
  let tjAdmin: string;
  let tjEditor: string;
  let tjPilotEditor: string;
  let tjViewer: string;
  let kgAdmin: string;
  let uzAdmin: string;
  const P = SEED_IDS.projects;
  const C = SEED_IDS.communities;
  const A = SEED_IDS.activities;

  beforeAll(async () => {
    server = await startTestServer();
    const token = (slug: string) => server.tokenFor(`demo|${slug}`);
    [platform, tjAdmin, tjEditor, tjPilotEditor, tjViewer, kgAdmin, uzAdmin] = await Promise.all([
      token('platform-admin'),
      token('tj-admin'),
      token('tj-editor'),
      token('tj-pilot-editor'),
      token('tj-viewer'),
      token('kg-admin'),
      token('uz-admin'),
    ]);
  });
  afterAll(() => server.close());

  type Named = { name: string; nameLanguage: string };
  const projectIn = async (language: string | null, id: string, headers = {}, auth = platform) => {
    const directive = language ? ` @locale(language: "${language}")` : '';
    const res = await server.graphql<{
      project: Named & { description: string | null; descriptionLanguage: string | null };
    }>(
      `query ($id: UUID!)${directive} {
        project(id: $id) { name nameLanguage description descriptionLanguage }
      }`,
      { id },
      auth,
      headers,
    );
    expect(res.body.errors).toBeUndefined();
    return {
      ...res.body.data!.project,
      extensions: (res.body as { extensions?: { locale?: unknown } }).extensions,
      headers: res.headers,
    };
  };

  describe('reading', () => {
    it('answers the same query in tg, ru, uz-Cyrl, uz-Latn and en, falling back where a text is missing, and says which language it gave', async () => {
      const expected: Record<string, Named> = {
        // UZ offers en, ru and both Uzbek scripts: Tajik falls back along tg → ru → en.
        tg: { name: 'Жизнь с достоинством', nameLanguage: 'ru' },
        ru: { name: 'Жизнь с достоинством', nameLanguage: 'ru' },
        'uz-Cyrl': { name: 'Қадр-қиммат билан яшаш', nameLanguage: 'uz-Cyrl' },
        'uz-Latn': { name: 'Qadr-qimmat bilan yashash', nameLanguage: 'uz-Latn' },
        en: { name: 'Living with Dignity', nameLanguage: 'en' },
      };
      for (const [language, want] of Object.entries(expected)) {
        const got = await projectIn(language, P.UZ);
        expect({ language, name: got.name, nameLanguage: got.nameLanguage }).toEqual({
          language,
          ...want,
        });
        expect(got.extensions?.locale).toEqual({
          resolved: language,
          requested: [language],
          source: 'directive',
        });
      }
      // In Tajikistan, Tajik is offered and written.
      expect(await projectIn('tg', P.TJ)).toMatchObject({
        name: 'Зиндагӣ бо шаъну шараф',
        nameLanguage: 'tg',
        descriptionLanguage: 'tg',
      });
      // The pilot's description has no translation: its English source, said as such.
      expect(await projectIn('tg', P.tjPilot)).toMatchObject({
        name: 'Лоиҳаи озмоишии «Устувории оила» (Суғд)',
        nameLanguage: 'tg',
        descriptionLanguage: 'en',
      });
    });

    it('never gives Latin Uzbek to a reader of Cyrillic (CLDR’s parent of uz-Cyrl is root): uz-Cyrl → ru → en', async () => {
      const created = await server.graphql<{ createCommunity: { id: string } }>(
        `mutation ($input: CreateCommunityInput!) { createCommunity(input: $input) { id } }`,
        {
          input: {
            tenantCode: 'UZ',
            name: 'Bogʻishamol test',
            sourceLanguage: 'en',
            region: 'Fergana',
            district: 'Quva',
            settlement: 'RURAL',
            translations: [{ language: 'uz-Latn', value: 'Bogʻishamol' }],
          },
        },
        uzAdmin,
      );
      expect(created.body.errors).toBeUndefined();
      const id = created.body.data!.createCommunity.id;
      const read = async (language: string) =>
        (
          await server.graphql<{ community: Named }>(
            `query ($id: UUID!) @locale(language: "${language}") { community(id: $id) { name nameLanguage } }`,
            { id },
            uzAdmin,
          )
        ).body.data!.community;
      expect(await read('uz-Latn')).toEqual({ name: 'Bogʻishamol', nameLanguage: 'uz-Latn' });
      expect(await read('uz-Cyrl')).toEqual({ name: 'Bogʻishamol test', nameLanguage: 'en' });
    });

    it('takes Accept-Language with its q-values when the operation names no locale: uz-Cyrl, then Russian', async () => {
      const cyrillicFirst = await projectIn(null, P.UZ, { 'accept-language': 'uz-Cyrl, ru;q=0.8' });
      expect(cyrillicFirst).toMatchObject({
        name: 'Қадр-қиммат билан яшаш',
        nameLanguage: 'uz-Cyrl',
      });
      expect(cyrillicFirst.extensions?.locale).toEqual({
        resolved: 'uz-Cyrl',
        requested: ['uz-Cyrl', 'ru'],
        source: 'accept-language',
      });
      expect(cyrillicFirst.headers.get('vary')).toMatch(/accept-language/i);
      // The same header on a Kyrgyz project, which has no Uzbek: Russian, the second choice.
      expect(
        await projectIn(null, P.KG, { 'accept-language': 'uz-Cyrl, ru;q=0.8' }, platform),
      ).toMatchObject({
        name: 'Жизнь с достоинством',
        nameLanguage: 'ru',
      });
      // q-values, not order, decide; region subtags match their language.
      expect(
        await projectIn(null, P.UZ, {
          'accept-language': 'ru-RU;q=0.5, uz-Latn-UZ;q=0.9, en;q=0.1',
        }),
      ).toMatchObject({ name: 'Qadr-qimmat bilan yashash', nameLanguage: 'uz-Latn' });
      // The directive wins over the header.
      expect(await projectIn('en', P.UZ, { 'accept-language': 'ru' })).toMatchObject({
        name: 'Living with Dignity',
      });
      // No language asked: texts as written, each saying its own language.
      const plain = await server.graphql<{ community: Named }>(
        `query ($id: UUID!) { community(id: $id) { name nameLanguage } }`,
        { id: C.uzNavbahor },
        uzAdmin,
      );
      expect(plain.body.data!.community).toEqual({ name: 'Навбаҳор', nameLanguage: 'uz-Cyrl' });
    });

    it('translates every name of a page with one statement per kind, not one per row', async () => {
      const query = `query @locale(language: "ru") {
        projects(first: 10) { nodes { name communities(first: 20) { nodes { name nameLanguage } } } }
      }`;
      const before = server.statements.length;
      const res = await server.graphql<{
        projects: { nodes: { name: string; communities: { nodes: Named[] } }[] };
      }>(query, {}, platform);
      expect(res.body.errors).toBeUndefined();
      const names = res.body.data!.projects.nodes.flatMap((p) => p.communities.nodes);
      expect(names).toContainEqual({ name: 'Джаны-Джол', nameLanguage: 'ru' });
      expect(names).toContainEqual({ name: 'Дусти', nameLanguage: 'ru' });
      const plainBefore = server.statements.length;
      await server.graphql(query.replace(' @locale(language: "ru")', ''), {}, platform);
      // Two kinds translated (projects, communities): two more round trips at most.
      expect(server.statements[before]! - server.statements[plainBefore]!).toBeLessThanOrEqual(2);
    });

    it('refuses a locale it does not know, with BAD_USER_INPUT', async () => {
      const res = await server.graphql(
        `query @locale(language: "xx-Qqqq") { me { id } }`,
        {},
        platform,
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('labels enums and words client errors in the request’s language, codes unchanged', async () => {
      const labels = await server.graphql<{
        enumLabels: { value: string; label: string; language: string }[];
      }>(
        `query @locale(language: "ky") { enumLabels(enum: ActivityType) { value label language } }`,
        {},
        kgAdmin,
      );
      expect(labels.body.data!.enumLabels).toContainEqual({
        value: 'RELIGIOUS_LEADER_SESSION',
        label: 'Диний лидерлер менен жолугушуу',
        language: 'ky',
      });
      const stale = await server.graphql(
        `mutation @locale(language: "uz-Cyrl") {
          updateProject(input: { id: "${P.UZ}", expectedVersion: 999, name: "x" }) { id }
        }`,
        {},
        uzAdmin,
      );
      expect(stale.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(stale.body.errors?.[0]?.message).toMatch(
        /^Ёзув \(Project\) сиз ўқиганингиздан кейин ўзгарди/,
      );
    });
  });

  describe('searching', () => {
    const search = async (text: string, auth: string) =>
      (
        await server.graphql<{ communities: { nodes: { id: string }[] } }>(
          `query ($s: String!) { communities(first: 50, filter: { search: $s }) { nodes { id } } }`,
          { s: text },
          auth,
        )
      ).body.data!.communities.nodes.map((n) => n.id);

    it('finds a Cyrillic Uzbek name from its Latin spelling, in PostgreSQL, whatever the case or apostrophes', async () => {
      const created = await server.graphql<{ createCommunity: { id: string } }>(
        `mutation { createCommunity(input: { tenantCode: "UZ", name: "Қўшработ", region: "Samarkand",
          district: "Qushrabot", settlement: RURAL }) { id } }`,
        {},
        uzAdmin,
      );
      expect(created.body.errors).toBeUndefined();
      const id = created.body.data!.createCommunity.id;
      // No Latin translation stored: the Cyrillic source itself is matched.
      expect(await search('Qoʻshrabot', uzAdmin)).toContain(id);
      expect(await search('QOSHRABOT', uzAdmin)).toContain(id);
      expect(await search("qo'shrab", uzAdmin)).toContain(id);
      // And the other way round, Latin source from Cyrillic.
      expect(await search('ЯНГИОБОД', uzAdmin)).toContain(C.uzYangiobod);
      // A Russian translation is a name too.
      expect(await search('Навбахор', uzAdmin)).toContain(C.uzNavbahor);
    });

    it('never finds another tenant’s rows through their translations', async () => {
      expect(await search('Навбахор', kgAdmin)).toEqual([]);
      expect(await search('Янгиабад', tjAdmin)).toEqual([]);
    });
  });

  describe('writing', () => {
    const SET = `mutation ($input: SetTranslationsInput!) {
      setTranslations(input: $input) { id version sourceLanguage translations { field language value } }
    }`;
    type SetResult = {
      setTranslations: {
        id: string;
        version: number;
        sourceLanguage: string;
        translations: { field: string; language: string; value: string }[];
      };
    };
    const set = (auth: string, input: Record<string, unknown>) =>
      server.graphql<SetResult>(SET, { input }, auth);

    it('lets a partner editor translate an activity of its project, as a versioned, audited change', async () => {
      // A row of an open period: the seed's periods are approved, hence read-only.
      const created = await server.graphql<{ createActivity: { id: string; version: number } }>(
        CREATE_ACTIVITY,
        { input: tjActivity({ title: 'Dialogue in Navobod', sourceLanguage: 'en' }) },
        tjEditor,
      );
      expect(created.body.errors).toBeUndefined();
      const { id, version } = created.body.data!.createActivity;
      const res = await set(tjEditor, {
        entity: 'ACTIVITY',
        id,
        field: 'TITLE',
        expectedVersion: version,
        values: [
          { language: 'tg', value: 'Гуфтугӯ дар ҷамоати Навобод' },
          { language: 'ru', value: 'Диалог в сообществе Навобод' },
        ],
      });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.setTranslations).toMatchObject({ version: version + 1 });
      expect(res.body.data!.setTranslations.translations.map((t) => t.language)).toEqual([
        'ru',
        'tg',
      ]);
      const audit: { action: string; after: { translations: Record<string, string> } }[] =
        await server.db.dataSource.query(
          `SELECT action, after FROM audit_events WHERE entity_id = $1 ORDER BY occurred_at DESC LIMIT 1`,
          [id],
        );
      expect(audit[0]).toMatchObject({
        action: 'TRANSLATE',
        after: { translations: { 'title.tg': 'Гуфтугӯ дар ҷамоати Навобод' } },
      });
      // A stale version is a CONFLICT, as for any write.
      const stale = await set(tjEditor, {
        entity: 'ACTIVITY',
        id,
        field: 'TITLE',
        expectedVersion: version,
        values: [{ language: 'ru', value: 'x' }],
      });
      expect(stale.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    });

    it('keeps an activity’s translations in its project: no request moves it, and a move behind the API’s back is refused', async () => {
      // The policies of translations read their own project id, which must stay the
      // activity's (a partner of the other project would read the title otherwise).
      const created = await server.graphql<{ createActivity: { id: string; version: number } }>(
        CREATE_ACTIVITY,
        { input: tjActivity({ title: 'Savings group start', communityId: null }) },
        tjAdmin,
      );
      expect(created.body.errors).toBeUndefined();
      const { id, version } = created.body.data!.createActivity;
      const translated = await set(tjAdmin, {
        entity: 'ACTIVITY',
        id,
        field: 'TITLE',
        expectedVersion: version,
        values: [{ language: 'ru', value: 'Начало группы сбережений' }],
      });
      expect(translated.body.errors).toBeUndefined();
      const moved = await server.graphql(
        UPDATE_ACTIVITY,
        { input: { id, expectedVersion: version + 1, projectId: P.tjPilot } },
        tjAdmin,
      );
      expect(moved.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // The table's owner, bypassing row security and the API: the key refuses it.
      await expect(
        server.db.dataSource.query(`UPDATE activities SET project_id = $2 WHERE id = $1`, [
          id,
          P.tjPilot,
        ]),
      ).rejects.toThrow(/translations_tenant_id_project_id_activity_id_fkey/);
      expect(
        await server.db.dataSource.query(
          `SELECT project_id FROM translations WHERE entity_type = 'activity' AND activity_id = $1`,
          [id],
        ),
      ).toEqual([{ project_id: P.TJ }]);
    });

    it('refuses every principal that may not write the row', async () => {
      const input = {
        entity: 'ACTIVITY',
        id: A.tjDialogueNavobod,
        field: 'TITLE',
        values: [{ language: 'ru', value: 'Чужой перевод' }],
      };
      // The pilot's partner does not even see the main project's activities.
      expect((await set(tjPilotEditor, input)).body.errors?.[0]?.extensions?.code).toBe(
        'NOT_FOUND',
      );
      // Another tenant's admin neither.
      expect((await set(kgAdmin, input)).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      // A viewer writes nothing (the permission layer).
      expect((await set(tjViewer, input)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      // A partner editor sees its project but may not write the project itself.
      const project = await set(tjEditor, {
        entity: 'PROJECT',
        id: P.TJ,
        field: 'NAME',
        values: [{ language: 'ru', value: 'Чужой перевод' }],
      });
      expect(project.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      // Global names are written by no request.
      const tenant = await set(platform, {
        entity: 'TENANT',
        id: SEED_IDS.tenants.TJ,
        field: 'NAME',
        values: [{ language: 'ru', value: 'x' }],
      });
      expect(tenant.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const stored: unknown[] = await server.db.dataSource.query(
        `SELECT 1 FROM translations WHERE value = 'Чужой перевод'`,
      );
      expect(stored).toEqual([]);
    });

    it('row-level security alone keeps a partner from writing another project’s translations', async () => {
      // As the application role with the pilot partner's settings, bypassing the service.
      const runner = server.db.dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        // `SET LOCAL`, which Citus propagates to the workers (set_config does not: there the
        // policy on the shard would see no settings and refuse anything, proving nothing);
        // then the role switch as requests make it.
        for (const [name, value] of [
          ['app.tenant_ids', SEED_IDS.tenants.TJ],
          ['app.write_tenant_ids', SEED_IDS.tenants.TJ],
          ['app.partner_tenant_ids', SEED_IDS.tenants.TJ],
          ['app.partner_project_ids', P.tjPilot],
        ] as const) {
          await runner.query(setLocal(name, value));
        }
        await runner.query(`SELECT set_config('role', 'dg_app', true)`);
        const A = SEED_IDS.activities;
        const insert = (type: 'project' | 'activity', id: string, project: string) =>
          runner.query(
            `INSERT INTO translations (tenant_id, entity_type, entity_id, field, language, value,
               project_id, activity_id)
             VALUES ($1, $2, $3, $4, 'kk', 'x', $5, $6)`,
            [
              SEED_IDS.tenants.TJ,
              type,
              id,
              type === 'project' ? 'name' : 'title',
              project,
              type === 'activity' ? id : null,
            ],
          );
        // The settings reached the shard: an activity of the partner's own project is written.
        await runner.query(`SAVEPOINT own`);
        await insert('activity', A.tjPilotSavingsGroup, P.tjPilot);
        await runner.query(`ROLLBACK TO SAVEPOINT own`);
        await expect(insert('activity', A.tjDialogueNavobod, P.TJ)).rejects.toThrow(
          /row-level security/,
        );
        await runner.query(`ROLLBACK TO SAVEPOINT own`);
        await expect(insert('project', P.TJ, P.TJ)).rejects.toThrow(/row-level security/);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    });

    it('translates nothing that has no source text, nor the source’s own language, nor an unknown one', async () => {
      const created = await server.graphql<{ createProject: { id: string } }>(
        `mutation { createProject(input: { tenantCode: "TJ", code: "TR-NODESC", name: "No description",
          sourceLanguage: "en", status: PLANNED, startDate: "2026-01-01" }) { id } }`,
        {},
        tjAdmin,
      );
      const id = created.body.data!.createProject.id;
      const refuse = async (field: string, language: string) =>
        (
          await set(tjAdmin, {
            entity: 'PROJECT',
            id,
            field,
            values: [{ language, value: 'Тавсиф' }],
          })
        ).body.errors?.[0]?.extensions;
      expect(await refuse('DESCRIPTION', 'tg')).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'values.field',
      });
      expect(await refuse('NAME', 'en')).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'values.language',
      });
      expect(await refuse('NAME', 'fr')).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'values.language',
      });
      expect(await refuse('TITLE', 'tg')).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'values.field',
      });
    });

    it('round-trips text in all six languages byte for byte', async () => {
      await server.db.dataSource.query(
        `UPDATE tenants SET enabled_languages = '{en,ru,tg,ky,uz-Latn,uz-Cyrl}' WHERE id = $1`,
        [SEED_IDS.tenants.TJ],
      );
      const texts: Record<string, string> = {
        // Decomposed й (и + combining breve) and a no-break space: nothing is normalised.
        en: 'Living with Dignity — “family” café',
        ru: 'Жизнь с достоинством: семьи\u00a0и соседи, и\u0306',
        tg: 'Зиндагӣ бо шаъну шараф — ҷамоат, ҳамдилӣ, ӯ ва ғ',
        ky: 'Кадыр-барк менен жашоо: үй-бүлө, өз ара, ың',
        'uz-Latn': 'Qadr-qimmat bilan yashash: oʻzaro gʻamxoʻrlik, maʼrifat',
        'uz-Cyrl': 'Қадр-қиммат билан яшаш: ўзаро ғамхўрлик, маърифат',
      };
      const created = await server.graphql<{ createProject: { id: string } }>(
        `mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
        {
          input: {
            tenantCode: 'TJ',
            code: 'TR-SIX',
            name: texts.en,
            sourceLanguage: 'en',
            status: 'PLANNED',
            startDate: '2026-01-01',
            translations: Object.entries(texts)
              .filter(([language]) => language !== 'en')
              .map(([language, value]) => ({ language, value })),
          },
        },
        tjAdmin,
      );
      expect(created.body.errors).toBeUndefined();
      const id = created.body.data!.createProject.id;
      for (const [language, value] of Object.entries(texts)) {
        const got = await projectIn(language, id, {}, tjAdmin);
        expect({ language, name: got.name, nameLanguage: got.nameLanguage }).toEqual({
          language,
          name: value,
          nameLanguage: language,
        });
        expect(Buffer.from(got.name, 'utf8').equals(Buffer.from(value, 'utf8'))).toBe(true);
      }
    });
  });
});
