import { SEED_IDS } from '../../seeds/programme';
import { setLocal } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';
import { CREATE_ACTIVITY, errorOf, tjActivity } from '../helpers/writes';

/**
 * Issue 21, the writing side: each row's text keeps its own language (`sourceLanguage`, by
 * default the tenant's), translations come with every create, update and import of a
 * translatable row, only from who may write the row, audited and versioned; the languages are
 * the six built in plus those the configuration adds (this server adds Kazakh, `kk`), each
 * tenant offering those its admins enable.
 */
describe('writing translations', () => {
  let server: TestServer;
  const P = SEED_IDS.projects;
  const T = SEED_IDS.tenants;
  type Auth = string | { apiKey: string };
  const who: Record<string, Auth> = {};

  beforeAll(async () => {
    server = await startTestServer({ env: { EXTRA_LANGUAGES: 'kk:ru,en' } });
    const slugs = [
      'platform-admin',
      'tj-admin',
      'tj-editor',
      'tj-viewer',
      'tj-pilot-editor',
      'kg-admin',
      'un-analyst',
    ];
    for (const slug of slugs) who[slug] = await server.tokenFor(`demo|${slug}`);
    // API keys, made by the TJ admin: a partner's writing key, a read-only one, an admin key.
    const key = async (organisation: string, scopes: string[]) => {
      const res = await server.graphql<{ createApiKey: { secret: string } }>(
        `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
        {
          input: {
            name: `translations ${scopes.join(' ')}`,
            organisationId: organisation,
            tenantCodes: ['TJ'],
            scopes,
          },
        },
        who['tj-admin'],
      );
      expect(res.body.errors).toBeUndefined();
      return { apiKey: res.body.data!.createApiKey.secret };
    };
    const O = SEED_IDS.organisations;
    who['key:partner-write'] = await key(O.tjWomenRights, ['READ', 'WRITE']);
    who['key:pilot-write'] = await key(O.tjFamilyCentre, ['READ', 'WRITE']);
    who['key:partner-read'] = await key(O.tjWomenRights, ['READ']);
    who['key:admin'] = await key(O.internationalAlert, ['READ', 'WRITE', 'ADMIN']);
    who['key:write'] = await key(O.internationalAlert, ['READ', 'WRITE']);
  });
  afterAll(() => server.close());

  const as = (name: string) => who[name]!;
  const stored = (id: string): Promise<{ field: string; language: string; value: string }[]> =>
    server.db.dataSource.query(
      `SELECT field, language, value FROM translations WHERE entity_id = $1 ORDER BY field, language`,
      [id],
    );
  const lastAudit = async (id: string) =>
    (
      await server.db.dataSource.query<
        { action: string; before: Record<string, unknown>; after: Record<string, unknown> }[]
      >(
        `SELECT action, before, after FROM audit_events WHERE entity_id = $1
         ORDER BY occurred_at DESC, id DESC LIMIT 1`,
        [id],
      )
    )[0];

  const UPDATE = `mutation ($input: UpdateActivityInput!) {
    updateActivity(input: $input) { id version title sourceLanguage }
  }`;
  async function newActivity(title: string, extra: Record<string, unknown> = {}) {
    const res = await server.graphql<{
      createActivity: { id: string; version: number; sourceLanguage: string };
    }>(
      `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id version sourceLanguage } }`,
      { input: tjActivity({ title, ...extra }) },
      as('tj-admin'),
    );
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.createActivity;
  }

  const IMPORT = `mutation ($input: ImportActivitiesInput!) {
    importActivities(input: $input) { applied created updated unchanged invalid
      items { index status id field message } }
  }`;
  type ImportAnswer = {
    importActivities: {
      applied: boolean;
      created: number;
      updated: number;
      unchanged: number;
      invalid: number;
      items: {
        index: number;
        status: string;
        id: string | null;
        field: string | null;
        message: string | null;
      }[];
    };
  };
  let n = 0;
  const run = (auth: Auth, items: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
    server.graphql<ImportAnswer>(
      IMPORT,
      { input: { tenantCode: 'TJ', idempotencyKey: `tr-${++n}`, items, ...extra } },
      auth,
    );
  const item = (externalId: string, extra: Record<string, unknown> = {}) => ({
    externalId,
    projectId: P.TJ,
    communityId: SEED_IDS.communities.tjNavobod,
    type: 'COMMUNITY_DIALOGUE',
    title: 'Гуфтугӯ дар ҷамоат',
    startDate: '2024-08-05',
    ...extra,
  });

  describe('the source language', () => {
    it("is the tenant's default language unless the write names one the tenant offers, and every translatable type tells it", async () => {
      const community = await server.graphql<{
        createCommunity: { id: string; sourceLanguage: string; nameLanguage: string };
      }>(
        `mutation { createCommunity(input: { tenantCode: "UZ", name: "Yangi hayot", region: "Fergana",
          district: "Quva", settlement: RURAL }) { id sourceLanguage nameLanguage } }`,
        {},
        as('platform-admin'),
      );
      // UZ's default locale is "uz": Uzbek in Latin script.
      expect(community.body.data!.createCommunity).toMatchObject({
        sourceLanguage: 'uz-Latn',
        nameLanguage: 'uz-Latn',
      });
      const activity = await newActivity('Оилавий тренинг');
      expect(activity.sourceLanguage).toBe('tg');
      const explicit = await newActivity('Family training', { sourceLanguage: 'en' });
      expect(explicit.sourceLanguage).toBe('en');

      const read = await server.graphql<{
        tenant: { sourceLanguage: string; enabledLanguages: string[] };
        project: { sourceLanguage: string; implementer: { sourceLanguage: string } };
        indicators: { nodes: { sourceLanguage: string }[] };
      }>(
        `{ tenant(code: "TJ") { sourceLanguage enabledLanguages }
           project(id: "${P.TJ}") { sourceLanguage implementer { sourceLanguage } }
           indicators(first: 5) { nodes { sourceLanguage } } }`,
        {},
        as('tj-admin'),
      );
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data).toMatchObject({
        tenant: { sourceLanguage: 'en', enabledLanguages: ['en', 'ru', 'tg'] },
        project: { sourceLanguage: 'en', implementer: { sourceLanguage: 'en' } },
      });
      expect(read.body.data!.indicators.nodes.length).toBeGreaterThan(0);
    });

    it('refuses a language that is not supported, or that the tenant does not offer, naming the field', async () => {
      for (const [language, message] of [
        ['fr', /not a supported language/],
        ['ky', /does not offer ky/],
        ['uz-cyrl', /not a supported language/],
      ] as const) {
        const res = await server.graphql(
          `mutation ($l: String) { createProject(input: { tenantCode: "TJ", code: "SL-${language}",
            name: "x", status: PLANNED, startDate: "2026-01-01", sourceLanguage: $l }) { id } }`,
          { l: language },
          as('tj-admin'),
        );
        expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'sourceLanguage' });
        expect(res.body.errors?.[0]?.message).toMatch(message);
        const created = await server.graphql(
          CREATE_ACTIVITY,
          { input: tjActivity({ title: 'x', sourceLanguage: language }) },
          as('tj-editor'),
        );
        expect(errorOf(created)).toEqual({ code: 'BAD_USER_INPUT', field: 'sourceLanguage' });
      }
      const projects: unknown[] = await server.db.dataSource.query(
        `SELECT 1 FROM projects WHERE code LIKE 'SL-%'`,
      );
      expect(projects).toEqual([]);
    });

    it('changes on update, but not onto a language a translation is in unless the same write removes it', async () => {
      const { id, version } = await newActivity('Training for families', {
        sourceLanguage: 'en',
        translations: [{ language: 'ru', value: 'Тренинг для семей' }],
      });
      const refused = await server.graphql(
        UPDATE,
        {
          input: { id, expectedVersion: version, title: 'Тренинг для семей', sourceLanguage: 'ru' },
        },
        as('tj-editor'),
      );
      expect(errorOf(refused)).toEqual({ code: 'BAD_USER_INPUT', field: 'sourceLanguage' });
      const moved = await server.graphql<{
        updateActivity: { version: number; title: string; sourceLanguage: string };
      }>(
        UPDATE,
        {
          input: {
            id,
            expectedVersion: version,
            title: 'Тренинг для семей',
            sourceLanguage: 'ru',
            translations: [
              { language: 'ru', value: null },
              { language: 'en', value: 'Training for families' },
            ],
          },
        },
        as('tj-editor'),
      );
      expect(moved.body.errors).toBeUndefined();
      expect(moved.body.data!.updateActivity).toMatchObject({
        version: version + 1,
        sourceLanguage: 'ru',
      });
      expect(await stored(id)).toEqual([
        { field: 'title', language: 'en', value: 'Training for families' },
      ]);
    });
  });

  describe('translations on every write', () => {
    it('updateActivity sets and removes translations, versioned and audited (TRANSLATE)', async () => {
      const { id, version } = await newActivity('Гуфтугӯ бо занон');
      const res = await server.graphql<{ updateActivity: { version: number } }>(
        UPDATE,
        {
          input: {
            id,
            expectedVersion: version,
            translations: [
              { language: 'ru', value: 'Беседа с женщинами' },
              { language: 'en', value: 'Talk with women' },
            ],
          },
        },
        as('key:partner-write'),
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.updateActivity.version).toBe(version + 1);
      expect(await stored(id)).toEqual([
        { field: 'title', language: 'en', value: 'Talk with women' },
        { field: 'title', language: 'ru', value: 'Беседа с женщинами' },
      ]);
      expect(await lastAudit(id)).toMatchObject({
        action: 'TRANSLATE',
        before: { translations: {} },
        after: {
          translations: { 'title.ru': 'Беседа с женщинами', 'title.en': 'Talk with women' },
        },
      });
      const removed = await server.graphql(
        UPDATE,
        {
          input: {
            id,
            expectedVersion: version + 1,
            translations: [{ language: 'en', value: null }],
          },
        },
        as('tj-editor'),
      );
      expect(removed.body.errors).toBeUndefined();
      expect((await stored(id)).map((t) => t.language)).toEqual(['ru']);
    });

    it('translates no text that has no source, on create or update', async () => {
      const res = await server.graphql(
        `mutation { createProject(input: { tenantCode: "TJ", code: "NO-DESC-TR", name: "Оила",
          status: PLANNED, startDate: "2026-01-01",
          translations: [{ field: DESCRIPTION, language: "ru", value: "Описание" }] }) { id } }`,
        {},
        as('tj-admin'),
      );
      expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'translations.field' });
      // The whole mutation is rolled back: no project without its refused translation.
      expect(
        await server.db.dataSource.query(`SELECT 1 FROM projects WHERE code = 'NO-DESC-TR'`),
      ).toEqual([]);
    });

    it('refuses control characters and overlong texts in a translation', async () => {
      const { id, version } = await newActivity('Тренинг');
      for (const value of ['bad\u0007bell', 'x'.repeat(4001), '   ']) {
        const res = await server.graphql(
          UPDATE,
          { input: { id, expectedVersion: version, translations: [{ language: 'ru', value }] } },
          as('tj-admin'),
        );
        expect(errorOf(res)?.code).toBe('BAD_USER_INPUT');
      }
      expect(await stored(id)).toEqual([]);
    });
  });

  describe('imports', () => {
    it('stores items’ translations with their rows, and a changed translation alone is an UPDATE of the row', async () => {
      const first = await run(as('tj-editor'), [
        item('tr-a', { translations: [{ language: 'ru', value: 'Диалог в сообществе' }] }),
        item('tr-b', { sourceLanguage: 'ru', title: 'Диалог' }),
      ]);
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data!.importActivities).toMatchObject({ created: 2, invalid: 0 });
      const [a, b] = first.body.data!.importActivities.items.map((i) => i.id!);
      expect(await stored(a!)).toEqual([
        { field: 'title', language: 'ru', value: 'Диалог в сообществе' },
      ]);
      const languages: { id: string; source_language: string; version: number }[] =
        await server.db.dataSource.query(
          `SELECT id, source_language, version FROM activities WHERE id = ANY ($1::uuid[])`,
          [[a, b]],
        );
      expect(Object.fromEntries(languages.map((r) => [r.id, r.source_language]))).toEqual({
        [a!]: 'tg',
        [b!]: 'ru',
      });

      // The same items under a new key: nothing changes. An item without sourceLanguage keeps
      // the stored row's (b stays Russian, not the tenant's default).
      const again = await run(as('tj-editor'), [
        item('tr-a', { translations: [{ language: 'ru', value: 'Диалог в сообществе' }] }),
        item('tr-b', { title: 'Диалог' }),
      ]);
      expect(again.body.data!.importActivities).toMatchObject({ unchanged: 2, updated: 0 });

      // Only a translation differs: UPDATED, the version moves, the change is audited.
      const changed = await run(as('tj-editor'), [
        item('tr-a', { translations: [{ language: 'ru', value: 'Диалог в махалле' }] }),
      ]);
      expect(changed.body.data!.importActivities).toMatchObject({ updated: 1 });
      expect(await stored(a!)).toEqual([
        { field: 'title', language: 'ru', value: 'Диалог в махалле' },
      ]);
      const [row] = await server.db.dataSource.query<{ version: number }[]>(
        `SELECT version FROM activities WHERE id = $1`,
        [a],
      );
      expect(row!.version).toBe(languages.find((r) => r.id === a)!.version + 1);
      expect(await lastAudit(a!)).toMatchObject({
        action: 'TRANSLATE',
        before: { translations: { 'title.ru': 'Диалог в сообществе' } },
        after: { translations: { 'title.ru': 'Диалог в махалле' } },
      });
    });

    it('reports a bad translation as its item’s INVALID field, writes nothing of a dry run', async () => {
      const res = await run(as('tj-admin'), [
        item('tr-c', { translations: [{ language: 'tg', value: 'Гуфтугӯ' }] }),
        item('tr-d', { translations: [{ language: 'fr', value: 'Dialogue' }] }),
        item('tr-e', { translations: [{ field: 'NAME', language: 'ru', value: 'Диалог' }] }),
        item('tr-f', { translations: [{ language: 'ru', value: 'Диалог' }] }),
      ]);
      expect(res.body.errors).toBeUndefined();
      expect(
        res.body.data!.importActivities.items.map((i) => [i.index, i.status, i.field]),
      ).toEqual([
        [0, 'INVALID', 'translations.language'],
        [1, 'INVALID', 'translations.language'],
        [2, 'INVALID', 'translations.field'],
        [3, 'CREATED', null],
      ]);
      const dry = await run(
        as('tj-admin'),
        [item('tr-g', { translations: [{ language: 'ru', value: 'Пробный' }] })],
        { dryRun: true },
      );
      expect(dry.body.data!.importActivities).toMatchObject({ created: 1, applied: false });
      expect(
        await server.db.dataSource.query(`SELECT 1 FROM translations WHERE value = 'Пробный'`),
      ).toEqual([]);
    });
  });

  describe('who may translate', () => {
    const ATTACK = 'Чужой перевод';
    const noAttackStored = async () =>
      expect(
        await server.db.dataSource.query(`SELECT 1 FROM translations WHERE value = $1`, [ATTACK]),
      ).toEqual([]);

    it('only who may write the row translates it through updateActivity: every other role and key is refused', async () => {
      const { id, version } = await newActivity('Тренинги оилавӣ');
      const input = {
        id,
        expectedVersion: version,
        translations: [{ language: 'ru', value: ATTACK }],
      };
      const expected: Record<string, string> = {
        'tj-viewer': 'FORBIDDEN',
        'un-analyst': 'FORBIDDEN',
        'key:partner-read': 'FORBIDDEN',
        // The pilot's partner and another tenant's admin do not even see the row.
        'tj-pilot-editor': 'NOT_FOUND',
        'key:pilot-write': 'NOT_FOUND',
        'kg-admin': 'NOT_FOUND',
      };
      for (const [name, code] of Object.entries(expected)) {
        const res = await server.graphql(UPDATE, { input }, as(name));
        expect({ name, code: errorOf(res)?.code }).toEqual({ name, code });
      }
      await noAttackStored();
      // Those who write the row may.
      let current = version;
      for (const name of [
        'tj-editor',
        'key:partner-write',
        'tj-admin',
        'key:write',
        'platform-admin',
      ]) {
        const res = await server.graphql<{ updateActivity: { version: number } }>(
          UPDATE,
          {
            input: {
              id,
              expectedVersion: current,
              translations: [{ language: 'ru', value: `Тренинг (${name})` }],
            },
          },
          as(name),
        );
        expect({ name, errors: res.body.errors }).toEqual({ name, errors: undefined });
        current = res.body.data!.updateActivity.version;
      }
    });

    it('nobody but its tenant’s admins translates a project, community or indicator through their updates', async () => {
      const rows = await server.db.dataSource.query<
        { kind: string; id: string; version: number }[]
      >(
        `SELECT 'Project' AS kind, id, version FROM projects WHERE id = $1
         UNION ALL SELECT 'Community', id, version FROM communities WHERE id = $2
         UNION ALL SELECT 'Indicator', id, version FROM indicators
           WHERE tenant_id = $3 ORDER BY 1 LIMIT 3`,
        [P.TJ, SEED_IDS.communities.tjNavobod, T.TJ],
      );
      expect(rows.map((r) => r.kind).sort()).toContain('Project');
      for (const { kind, id, version } of rows) {
        const mutation = `mutation ($input: Update${kind}Input!) { update${kind}(input: $input) { id } }`;
        const input = {
          id,
          expectedVersion: version,
          translations: [{ language: 'ru', value: ATTACK }],
        };
        for (const [name, codes] of Object.entries({
          'tj-editor': ['FORBIDDEN'],
          'tj-viewer': ['FORBIDDEN'],
          'tj-pilot-editor': ['FORBIDDEN', 'NOT_FOUND'],
          'un-analyst': ['FORBIDDEN'],
          'key:partner-write': ['FORBIDDEN'],
          'key:partner-read': ['FORBIDDEN'],
          'kg-admin': ['NOT_FOUND', 'FORBIDDEN'],
        })) {
          const code = errorOf(await server.graphql(mutation, { input }, as(name)))?.code;
          expect({ kind, name, refused: codes.includes(code as string) }).toEqual({
            kind,
            name,
            refused: true,
          });
        }
      }
      await noAttackStored();
    });

    it('a partner cannot translate through an import what it may not write', async () => {
      for (const name of ['tj-pilot-editor', 'key:pilot-write']) {
        const res = await run(as(name), [
          item(`attack-${name}`, { translations: [{ language: 'ru', value: ATTACK }] }),
        ]);
        expect(res.body.data?.importActivities.items[0]).toMatchObject({ status: 'INVALID' });
      }
      for (const name of ['tj-viewer', 'key:partner-read', 'un-analyst']) {
        const res = await run(as(name), [
          item(`attack-${name}`, { translations: [{ language: 'ru', value: ATTACK }] }),
        ]);
        expect(errorOf(res)?.code).toBe('FORBIDDEN');
      }
      const kg = await server.graphql(
        IMPORT,
        {
          input: {
            tenantCode: 'TJ',
            idempotencyKey: 'attack-kg',
            items: [item('attack-kg', { translations: [{ language: 'ru', value: ATTACK }] })],
          },
        },
        as('kg-admin'),
      );
      expect(errorOf(kg)?.code).toBe('FORBIDDEN');
      await noAttackStored();
    });
  });

  describe('labels and messages', () => {
    it('labels every labelled enum in the request’s language and words new errors in it, codes unchanged', async () => {
      const labels = await server.graphql<{
        sex: { value: string; label: string; language: string }[];
        state: { value: string; label: string; language: string }[];
      }>(
        `query @locale(language: "tg") {
          sex: enumLabels(enum: Sex) { value label language }
          state: enumLabels(enum: ApprovalState) { value label language }
        }`,
        {},
        as('tj-viewer'),
      );
      expect(labels.body.errors).toBeUndefined();
      expect(labels.body.data!.sex).toContainEqual({
        value: 'FEMALE',
        label: 'Занон ва духтарон',
        language: 'tg',
      });
      expect(labels.body.data!.state).toContainEqual({
        value: 'APPROVED',
        label: 'Тасдиқ шуд',
        language: 'tg',
      });
      // Kazakh (configured, kk → ru → en) has no labels of its own: Russian ones.
      const kk = await server.graphql<{ enumLabels: { value: string; language: string }[] }>(
        `query @locale(language: "kk") { enumLabels(enum: Settlement) { value language } }`,
        {},
        as('tj-viewer'),
      );
      expect(kk.body.data!.enumLabels.map((l) => l.language)).toEqual(['ru', 'ru']);
      const refused = await server.graphql(
        `mutation { setTenantLanguages(input: { tenantCode: "TJ", languages: ["en"], expectedVersion: 1 }) { code } }`,
        {},
        as('kg-admin'),
        { 'accept-language': 'ru' },
      );
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.body.errors?.[0]?.message).toBe('Вы не администрируете страну TJ');
      const badLanguage = await server.graphql(
        CREATE_ACTIVITY,
        { input: tjActivity({ title: 'x', sourceLanguage: 'ky' }) },
        as('tj-admin'),
        { 'accept-language': 'uz-Latn' },
      );
      expect(badLanguage.body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'sourceLanguage',
      });
      expect(badLanguage.body.errors?.[0]?.message).toBe(
        'Bu mamlakat ky tilini taklif qilmaydi; uning tillari: en, ru, tg',
      );
    });
  });

  describe('searching activity titles', () => {
    const search = async (text: string, auth: Auth) => {
      const res = await server.graphql<{ activities: { nodes: { id: string }[] } }>(
        `query ($s: String!) { activities(first: 100, filter: { search: $s }) { nodes { id } } }`,
        { s: text },
        auth,
      );
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.activities.nodes.map((n) => n.id);
    };

    it('finds a title in any language and script through the index, only among rows the caller reads', async () => {
      const { id, version } = await newActivity('Қўшработдаги суҳбат', { sourceLanguage: 'en' });
      await server.graphql(
        UPDATE,
        {
          input: {
            id,
            expectedVersion: version,
            translations: [{ language: 'ru', value: 'Беседа в Кушрабаде' }],
          },
        },
        as('tj-admin'),
      );
      expect(await search('qoshrabotdagi', as('tj-admin'))).toEqual([id]);
      expect(await search('КУШРАБАД', as('tj-editor'))).toEqual([id]);
      expect(await search('suhbat', as('key:partner-write'))).toEqual([id]);
      // Shorter than a trigram: the same answer, by comparing every row.
      expect(await search('Қў', as('tj-admin'))).toContain(id);
      // The pilot's partner and another tenant's admin find nothing.
      expect(await search('qoshrabot', as('tj-pilot-editor'))).toEqual([]);
      expect(await search('qoshrabot', as('kg-admin'))).toEqual([]);
      // The lookup can use the index (on these few rows the planner would rather scan, so
      // scanning is switched off to ask whether it can).
      const runner = server.db.dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        await runner.query(`SET LOCAL enable_seqscan = off`);
        const plan = (await runner.query(
          `EXPLAIN SELECT id FROM activities WHERE search_fold(title) LIKE search_fold('%qoshrabot%')`,
        )) as { 'QUERY PLAN': string }[];
        expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toMatch(
          /activities_title_fold_trgm_idx/,
        );
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    });

    it('the lookup function answers no id outside the settings of the request that calls it', async () => {
      const { id } = await newActivity('Ҳамдилӣ дар Навобод');
      const runner = server.db.dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        await runner.query(`SELECT set_config('role', 'dg_app', true)`);
        const ids = async () =>
          (
            (await runner.query(`SELECT search_activity_ids('%hamdili%') AS ids`)) as {
              ids: string[];
            }[]
          )[0]!.ids;
        expect(await ids()).toEqual([]);
        await runner.query(setLocal('app.tenant_ids', T.KG));
        expect(await ids()).toEqual([]);
        // A partner of the TJ pilot only: not the main project's activity.
        await runner.query(setLocal('app.tenant_ids', T.TJ));
        await runner.query(setLocal('app.partner_tenant_ids', T.TJ));
        await runner.query(setLocal('app.partner_project_ids', P.tjPilot));
        expect(await ids()).toEqual([]);
        await runner.query(setLocal('app.partner_tenant_ids', ''));
        expect(await ids()).toContain(id);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    });
  });

  describe('languages by configuration and per tenant', () => {
    const SET = `mutation ($input: SetTenantLanguagesInput!) {
      setTenantLanguages(input: $input) { code version enabledLanguages }
    }`;
    const versionOf = async (code: string) =>
      (
        await server.db.dataSource.query<{ version: number }[]>(
          `SELECT version FROM tenants WHERE code = $1`,
          [code],
        )
      )[0]!.version;

    it('lets a tenant admin offer a configured language, in which rows are then written and read, falling back along its chain', async () => {
      const res = await server.graphql<{
        setTenantLanguages: { version: number; enabledLanguages: string[] };
      }>(
        SET,
        {
          input: {
            tenantCode: 'KG',
            languages: ['en', 'ru', 'ky', 'kk'],
            expectedVersion: await versionOf('KG'),
          },
        },
        as('kg-admin'),
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.setTenantLanguages.enabledLanguages).toEqual(['en', 'ru', 'ky', 'kk']);
      expect(await lastAudit(T.KG)).toMatchObject({
        action: 'UPDATE',
        after: { enabledLanguages: ['en', 'ru', 'ky', 'kk'] },
      });
      const created = await server.graphql<{ createCommunity: { id: string } }>(
        `mutation { createCommunity(input: { tenantCode: "KG", name: "Жаңы жол", sourceLanguage: "ky",
          region: "Chüy", district: "Ysyk-Ata", settlement: RURAL,
          translations: [{ language: "kk", value: "Жаңа жол" }, { language: "ru", value: "Джаны-Жол 2" }] }) { id } }`,
        {},
        as('kg-admin'),
      );
      expect(created.body.errors).toBeUndefined();
      const id = created.body.data!.createCommunity.id;
      const read = async (language: string) =>
        (
          await server.graphql<{ community: { name: string; nameLanguage: string } }>(
            `query @locale(language: "${language}") { community(id: "${id}") { name nameLanguage } }`,
            {},
            as('kg-admin'),
          )
        ).body.data!.community;
      expect(await read('kk')).toEqual({ name: 'Жаңа жол', nameLanguage: 'kk' });
      // Kazakh falls back to Russian as configured (kk:ru,en) for a text without Kazakh.
      const project = await server.graphql<{ project: { name: string; nameLanguage: string } }>(
        `query @locale(language: "kk") { project(id: "${P.KG}") { name nameLanguage } }`,
        {},
        as('kg-admin'),
      );
      expect(project.body.data!.project).toEqual({
        name: 'Жизнь с достоинством',
        nameLanguage: 'ru',
      });
      // Tajikistan does not offer Kazakh: a row of TJ cannot be written in it.
      const tj = await server.graphql(
        CREATE_ACTIVITY,
        { input: tjActivity({ title: 'x', sourceLanguage: 'kk' }) },
        as('tj-admin'),
      );
      expect(errorOf(tj)).toEqual({ code: 'BAD_USER_INPUT', field: 'sourceLanguage' });
    });

    it('refuses unknown languages, duplicates, stale versions, and everyone who does not administer the tenant', async () => {
      const version = await versionOf('TJ');
      const set = (auth: Auth, languages: string[], expectedVersion = version, tenantCode = 'TJ') =>
        server.graphql(SET, { input: { tenantCode, languages, expectedVersion } }, auth);
      expect(errorOf(await set(as('tj-admin'), ['en', 'xx']))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'languages',
      });
      expect(errorOf(await set(as('tj-admin'), ['en', 'en']))?.code).toBe('BAD_USER_INPUT');
      expect(errorOf(await set(as('tj-admin'), []))?.code).toBe('BAD_USER_INPUT');
      expect(errorOf(await set(as('tj-admin'), ['en'], version + 5))?.code).toBe('CONFLICT');
      for (const name of [
        'tj-editor',
        'tj-viewer',
        'tj-pilot-editor',
        'un-analyst',
        'kg-admin',
        'key:write',
        'key:partner-write',
      ]) {
        expect({ name, code: errorOf(await set(as(name), ['en']))?.code }).toEqual({
          name,
          code: 'FORBIDDEN',
        });
      }
      expect(await versionOf('TJ')).toBe(version);
      // An admin key of the tenant may.
      const ok = await set(as('key:admin'), ['en', 'ru', 'tg', 'uz-Cyrl']);
      expect(ok.body.errors).toBeUndefined();
      const back = await set(as('platform-admin'), ['en', 'ru', 'tg'], version + 1);
      expect(back.body.errors).toBeUndefined();
    });

    it('the database alone refuses a tenant’s languages to whoever does not administer it', async () => {
      const runner = server.db.dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        // An administrator of KG, not of TJ, calling the function directly.
        await runner.query(setLocal('app.admin_tenant_ids', T.KG));
        await runner.query(`SELECT set_config('role', 'dg_app', true)`);
        await runner.query(`SAVEPOINT attempt`);
        await expect(
          runner.query(`SELECT * FROM set_tenant_languages($1, '{en}', 1)`, [T.TJ]),
        ).rejects.toThrow(/administrators of the tenant only/);
        await runner.query(`ROLLBACK TO SAVEPOINT attempt`);
        // Nor may the application role update the table itself.
        await expect(
          runner.query(`UPDATE tenants SET enabled_languages = '{en}' WHERE id = $1`, [T.TJ]),
        ).rejects.toThrow(/permission denied/);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    });
  });
});
