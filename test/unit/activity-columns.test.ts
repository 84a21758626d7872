import { activityColumns } from '../../src/modules/activity/activity.service';

describe('the columns an activity list loads', () => {
  it('are the keys, the selected fields’ and the sort’s', () => {
    const select = activityColumns(new Set(['title', 'participants', '__typename']), 'startDate');
    for (const column of ['a.tenant_id', 'a.id', 'a.title', 'AS participants', 'a.start_date']) {
      expect(select).toContain(column);
    }
    for (const column of ['a.type', 'a.end_date', 'a.created_at', 'a.updated_at', 'a.project_id']) {
      expect(select).not.toContain(column);
    }
  });

  it('are every column when a field has no entry (a new field must not read undefined)', () => {
    expect(activityColumns(new Set(['title', 'somethingNew']))).toBe(activityColumns());
    expect(activityColumns()).toContain('a.updated_at AS "updatedAt"');
  });
});
