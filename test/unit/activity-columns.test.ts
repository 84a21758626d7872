import { activityColumns } from '../../src/modules/activity/activity.service';

describe('the columns an activity list loads', () => {
  it('are the keys, the selected fields’ and the sort’s', () => {
    const select = activityColumns(new Set(['title', 'participants', '__typename']), 'startDate');
    expect(select.split(', ')).toEqual([
      'a.tenant_id AS "tenantId"',
      'a.id',
      'a.title',
      'a.participants_female AS "participantsFemale"',
      'a.participants_male AS "participantsMale"',
      'a.participants_other AS "participantsOther"',
      'a.start_date AS "startDate"',
    ]);
  });

  it('are every column when a field has no entry (a new field must not read undefined)', () => {
    expect(activityColumns(new Set(['title', 'somethingNew']))).toBe(activityColumns());
    expect(activityColumns()).toContain('a.updated_at AS "updatedAt"');
  });
});
