import type { RequestContext } from '../../context';
import type { ProjectScope } from '../../common/write-scope';
import type { Change } from '../translation/translation.service';
import type { Translation } from '../translation/translation.type';
import type { TableShape, Values } from './import.kinds';

/* The two statements that write an import's rows, all items at once. */

export type Planned<V> = {
  index: number;
  values: V;
  organisationId: string;
  /** The item's project, as its checks found it. */
  project?: ProjectScope;
  existing?: V & { id: string; deleted: boolean };
  /** The item's translations, checked, and those its row has stored (none for a new row). */
  translations?: { changes: Change[]; stored: Translation[] };
  /** Whether the row's own values change (not only its translations). */
  valuesChanged?: boolean;
};

/** The recordset definition and JSON rows of the planned items' values. */
function recordset<V extends Values>(
  kind: TableShape<V>,
  plans: Planned<V>[],
  extra: (plan: Planned<V>) => Record<string, unknown>,
  extraTypes: string,
): { definition: string; json: string } {
  const fields = Object.keys(kind.columns);
  const definition = [
    ...fields.map((f) => `${kind.columns[f]} ${kind.sqlTypes[kind.columns[f]!]}`),
    extraTypes,
  ].join(', ');
  const rows = plans.map((plan) => ({
    ...Object.fromEntries(fields.map((f): [string, unknown] => [kind.columns[f]!, plan.values[f]])),
    ...extra(plan),
  }));
  return { definition, json: JSON.stringify(rows) };
}

export async function insertRows<V extends Values>(
  ctx: RequestContext,
  kind: TableShape<V>,
  tenantId: string,
  plans: Planned<V>[],
): Promise<Map<string, string>> {
  const columns = Object.values(kind.columns);
  const { definition, json } = recordset(
    kind,
    plans,
    (plan) => ({ recorded_by_organisation_id: plan.organisationId }),
    'recorded_by_organisation_id uuid',
  );
  const rows = await ctx.tx.query<{ id: string; key: string }>(
    `INSERT INTO ${kind.table} (${columns.join(', ')}, tenant_id, recorded_by_organisation_id,
       created_by, updated_by)
     SELECT ${columns.map((c) => `r.${c}`).join(', ')}, $1, r.recorded_by_organisation_id, $2, $2
     FROM jsonb_to_recordset($3::jsonb) AS r (${definition})
     ORDER BY r.recorded_by_organisation_id, r.external_id
     RETURNING id, recorded_by_organisation_id || ':' || external_id AS key`,
    [tenantId, ctx.access.actor, json],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}

export async function updateRows<V extends Values>(
  ctx: RequestContext,
  kind: TableShape<V>,
  tenantId: string,
  plans: Planned<V>[],
): Promise<void> {
  const columns = Object.values(kind.columns);
  const { definition, json } = recordset(
    kind,
    plans,
    (plan) => ({ id: plan.existing!.id }),
    'id uuid',
  );
  // The rows are locked (FOR UPDATE above), so their versions cannot have moved.
  await ctx.tx.query(
    `UPDATE ${kind.table} t SET ${columns.map((c) => `${c} = r.${c}`).join(', ')},
       version = t.version + 1, updated_at = now(), updated_by = $2
     FROM jsonb_to_recordset($3::jsonb) AS r (${definition})
     WHERE t.tenant_id = $1 AND t.id = r.id`,
    [tenantId, ctx.access.actor, json],
  );
}
