import ExcelJS from 'exceljs';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { parseCsv } from '../../src/common/csv';
import { poolOf } from '../../src/db/data-source';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Spreadsheets in and out: activities and measurements as CSV and XLSX with the lists'
 * filters, imported back through importActivities/importMeasurements in batches of 1,000 —
 * 10,000 exported activities come back all UNCHANGED; a KoboToolbox export imports with its
 * _uuid as externalId; a bad cell answers on its row with the column's name; formulas never
 * leave as formulas; nobody exports or imports beyond what they may read or write.
 */

type RowResult = {
  row: number;
  externalId: string | null;
  status: string;
  field: string | null;
  message: string | null;
};
type ImportAnswer = {
  applied: boolean;
  replayed: boolean;
  batches: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  rows: RowResult[];
};

const P = SEED_IDS.projects;

describe('spreadsheet export and import', () => {
  let server: TestServer;
  let tjAdmin: string;
  let tjEditor: string;
  let tjViewer: string;
  let kgAdmin: string;
  let analyst: string;

  beforeAll(async () => {
    // Ten batches of 1,000 writes on a loaded CI machine: more than the 5 s per statement
    // production needs for one batch.
    server = await startTestServer({ env: { DB_STATEMENT_TIMEOUT_MS: '120000' } });
    [tjAdmin, tjEditor, tjViewer, kgAdmin, analyst] = (await Promise.all(
      [
        DEMO_USERS.tjAdmin,
        DEMO_USERS.tjEditor,
        DEMO_USERS.tjViewer,
        DEMO_USERS.kgAdmin,
        DEMO_USERS.unAnalyst,
      ].map((u) => server.tokenFor(u.subject)),
    )) as [string, string, string, string, string];
    // 10,000 activities of the TJ main project, recorded by International Alert.
    const client = await poolOf(server.db.dataSource).connect();
    await client.query(`SET statement_timeout = 0`);
    await client.query(
      `INSERT INTO activities (tenant_id, project_id, type, title, start_date, end_date,
         participants_female, participants_male, participants_other, recorded_by_organisation_id,
         external_id, created_by, updated_by)
       SELECT $1, $2, (ARRAY['TRAINING','COMMUNITY_DIALOGUE','SAVINGS_GROUP'])[1 + n % 3],
              'Round trip ' || n || ' — Ҳамдилӣ дар оила, «цитата», "quoted", a,b',
              DATE '2024-07-01' + (n % 92), NULL, n % 40, n % 17, n % 3, $3,
              'RT-' || lpad(n::text, 5, '0'), 'test', 'test'
         FROM generate_series(1, 10000) AS n`,
      [SEED_IDS.tenants.TJ, P.TJ, SEED_IDS.organisations.internationalAlert],
    );
    await client.query(`RESET statement_timeout`);
    client.release();
  });
  afterAll(() => server.close());

  const exportOf = (path: string, token: string | null) =>
    fetch(`${server.url}/export/${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const importOf = async (
    path: string,
    body: string | Buffer,
    token: string,
    query: Record<string, string>,
  ) => {
    const response = await fetch(
      `${server.url}/import/${path}?${new URLSearchParams({ tenantCode: 'TJ', ...query }).toString()}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body,
      },
    );
    return {
      status: response.status,
      body: (await response.json()) as ImportAnswer & {
        errors?: { extensions: { code: string } }[];
      },
    };
  };
  const csvRows = (text: string) => parseCsv(text).filter((r) => r.some((c) => c !== ''));

  it('exports 10,000 activities as CSV and imports them back: all UNCHANGED, in 10 batches; the same key again replays', async () => {
    const response = await exportOf('activities.csv?search=Round%20trip', tjAdmin);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const text = await response.text();
    const [header, ...rows] = csvRows(text);
    expect(header![0]).toBe('id');
    expect(rows).toHaveLength(10_000);
    // Unicode, quotes and commas survive.
    expect(
      rows.some((r) => r.includes('Round trip 7 — Ҳамдилӣ дар оила, «цитата», "quoted", a,b')),
    ).toBe(true);

    const first = await importOf('activities.csv', text, tjAdmin, { idempotencyKey: 'rt-csv' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      applied: true,
      batches: 10,
      unchanged: 10_000,
      created: 0,
      updated: 0,
      invalid: 0,
    });
    const again = await importOf('activities.csv', text, tjAdmin, { idempotencyKey: 'rt-csv' });
    expect(again.body).toMatchObject({ replayed: true, unchanged: 10_000 });
  }, 600_000);

  it('exports them as XLSX too, which imports back all UNCHANGED', async () => {
    // The 1,112 titles with “Round trip 1…”: two batches, one of them partial.
    const response = await exportOf('activities.xlsx?search=Round%20trip%201', tjAdmin);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const file = Buffer.from(await response.arrayBuffer());
    const result = await importOf('activities.xlsx', file, tjAdmin, { idempotencyKey: 'rt-xlsx' });
    expect(result.body).toMatchObject({ unchanged: 1_112, invalid: 0, batches: 2 });
  }, 600_000);

  it('a changed cell updates its row, and a new row is created', async () => {
    const text = await (
      await exportOf('activities.csv?search=Round%20trip%201000%20', tjAdmin)
    ).text();
    const [header, row] = csvRows(text);
    expect(row).toBeDefined();
    const title = header!.indexOf('title');
    const external = header!.indexOf('externalId');
    const changed = [...row!];
    changed[title] = 'Round trip 1000, renamed';
    const added = [...row!];
    added[external] = 'RT-NEW-1';
    added[0] = '';
    const body = [header!, changed, added]
      .map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(','))
      .join('\n');
    const result = await importOf('activities.csv', body, tjAdmin, { idempotencyKey: 'rt-change' });
    expect(result.body.rows.map((r) => r.status)).toEqual(['UPDATED', 'CREATED']);
  });

  it('a Kobo-style CSV imports, _uuid as externalId, its metadata ignored', async () => {
    const kobo = [
      'start,end,group_activity/type,group_activity/title,group_activity/start_date,projectId,participants_female,participants_male,_id,_uuid,_submission_time,meta/instanceID,_index',
      `2026-05-01T09:00:00,2026-05-01T09:20:00,community_dialogue,Диалог дар деҳа,2024-07-30,${P.TJ},14,3,101,0b6c1f5e-kobo-1,2026-05-01T09:21:00,uuid:0b6c1f5e-kobo-1,1`,
      `2026-05-02T09:00:00,2026-05-02T09:20:00,training,Омӯзиш,2024-08-02,${P.TJ},20,0,102,0b6c1f5e-kobo-2,2026-05-02T09:21:00,uuid:0b6c1f5e-kobo-2,2`,
      `2026-05-03T09:00:00,2026-05-03T09:20:00,picnic,Bad type,2024-08-03,${P.TJ},1,0,103,0b6c1f5e-kobo-3,2026-05-03T09:21:00,uuid:0b6c1f5e-kobo-3,3`,
      `2026-05-04T09:00:00,2026-05-04T09:20:00,training,Bad date,04/05/2026,${P.TJ},1,0,104,0b6c1f5e-kobo-4,2026-05-04T09:21:00,uuid:0b6c1f5e-kobo-4,4`,
    ].join('\r\n');
    const result = await importOf('activities.csv', kobo, tjAdmin, {
      idempotencyKey: 'kobo-1',
      mapping: 'kobo',
    });
    expect(result.status).toBe(200);
    expect(result.body.rows.map((r) => [r.row, r.externalId, r.status, r.field])).toEqual([
      [2, '0b6c1f5e-kobo-1', 'CREATED', null],
      [3, '0b6c1f5e-kobo-2', 'CREATED', null],
      [4, '0b6c1f5e-kobo-3', 'INVALID', 'type'],
      [5, '0b6c1f5e-kobo-4', 'INVALID', 'startDate'],
    ]);
    expect(result.body.rows[2]!.message).toMatch(/^type must be one of TRAINING, /);
    const rows = await server.db.dataSource.query<
      { external_id: string; type: string; participants_female: number }[]
    >(
      `SELECT external_id, type, participants_female FROM activities WHERE external_id LIKE '0b6c1f5e-kobo-%' ORDER BY 1`,
    );
    expect(rows).toEqual([
      { external_id: '0b6c1f5e-kobo-1', type: 'COMMUNITY_DIALOGUE', participants_female: 14 },
      { external_id: '0b6c1f5e-kobo-2', type: 'TRAINING', participants_female: 20 },
    ]);
  });

  it('a wrong column, a bad date, an unknown enum or a rule of the data answer on their row with the column', async () => {
    const wrongColumn = `externalId,projectId,type,title,startDate,colour\nX-1,${P.TJ},TRAINING,T,2026-01-01,red\n`;
    const wrong = await importOf('activities.csv', wrongColumn, tjAdmin, {
      idempotencyKey: 'bad-1',
      dryRun: 'true',
    });
    expect(wrong.body.rows).toEqual([
      expect.objectContaining({ row: 2, status: 'INVALID', field: 'colour' }),
    ]);
    const cells = [
      'externalId,projectId,type,title,startDate,endDate,participantsFemale',
      `X-2,${P.TJ},TRAINING,Fine,2026-01-01,,3`,
      `X-3,${P.TJ},TRAINING,Bad end,2026-01-01,2026-13-45,3`,
      `X-4,${P.TJ},TRAINING,Bad count,2026-01-01,,three`,
      `X-5,${P.TJ},TRAINING,Ends before it starts,2026-01-05,2026-01-01,3`,
      `X-6,${P.TJ},TRAINING,,2026-01-01,,3`,
    ].join('\n');
    const result = await importOf('activities.csv', cells, tjAdmin, {
      idempotencyKey: 'bad-2',
      dryRun: 'true',
    });
    expect(result.body.rows.map((r) => [r.row, r.status, r.field])).toEqual([
      [2, 'CREATED', null],
      [3, 'INVALID', 'endDate'],
      [4, 'INVALID', 'participantsFemale'],
      [5, 'INVALID', 'endDate'],
      [6, 'INVALID', 'title'],
    ]);
    // A dry run writes nothing.
    const written = await server.db.dataSource.query<unknown[]>(
      `SELECT 1 FROM activities WHERE external_id = 'X-2'`,
    );
    expect(written).toEqual([]);
  });

  it('neutralises formulas in exported cells, and the import reads them back unchanged', async () => {
    await server.db.dataSource.query(
      `UPDATE activities SET title = '=HYPERLINK("http://evil.example","click")' WHERE external_id = 'RT-00042'`,
    );
    const text = await (await exportOf('activities.csv?search=HYPERLINK', tjAdmin)).text();
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    const xlsx = Buffer.from(
      await (await exportOf('activities.xlsx?search=HYPERLINK', tjAdmin)).arrayBuffer(),
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx as unknown as ArrayBuffer);
    const cell = workbook.worksheets[0]!.getRow(2).getCell(6);
    expect(cell.formula).toBeUndefined();
    expect(cell.value).toBe(`'=HYPERLINK("http://evil.example","click")`);
    const back = await importOf('activities.csv', text, tjAdmin, { idempotencyKey: 'formula' });
    expect(back.body).toMatchObject({ unchanged: 1, invalid: 0 });
  });

  it('exports measurements with their filters', async () => {
    const text = await (
      await exportOf('measurements.csv?indicatorCodes=DV_PREVALENCE&periods=BASELINE', tjAdmin)
    ).text();
    const [header, ...rows] = csvRows(text);
    expect(header).toContain('indicatorId');
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r[header!.indexOf('period')] === 'BASELINE')).toBe(true);
    const back = await importOf('measurements.csv', text, tjAdmin, { idempotencyKey: 'm-1' });
    // The seed's baselines are in approved periods, read-only; re-importing them unchanged
    // touches nothing, so no lock is violated: UNCHANGED, not INVALID.
    expect(back.body).toMatchObject({ unchanged: 4, invalid: 0 });
    expect((await exportOf('measurements.csv?periods=SOMETIMES', tjAdmin)).status).toBe(400);
    expect((await exportOf('measurements.csv?colour=red', tjAdmin)).status).toBe(400);
  });

  it('exports only what the principal may read, and imports only where it may write', async () => {
    expect((await exportOf('activities.csv', null)).status).toBe(401);
    expect((await exportOf('activities.csv', analyst)).status).toBe(403);
    // KG's admin asking for TJ rows gets none.
    const kg = csvRows(await (await exportOf('activities.csv?tenantCodes=TJ', kgAdmin)).text());
    expect(kg).toHaveLength(1);
    // The TJ editor's organisation partners in the main project, not in the pilot.
    const editor = csvRows(await (await exportOf('activities.csv', tjEditor)).text());
    const projectAt = editor[0]!.indexOf('projectId');
    expect(new Set(editor.slice(1).map((r) => r[projectAt]))).toEqual(new Set([P.TJ]));
    const pilot = csvRows(
      await (await exportOf(`activities.csv?projectIds=${P.tjPilot}`, tjEditor)).text(),
    );
    expect(pilot).toHaveLength(1);
    // A viewer may not import.
    const viewer = await importOf(
      'activities.csv',
      `externalId,projectId,type,title,startDate\nV-1,${P.TJ},TRAINING,T,2026-01-01\n`,
      tjViewer,
      { idempotencyKey: 'viewer' },
    );
    expect(viewer.status).toBe(403);
    expect(viewer.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });
});
