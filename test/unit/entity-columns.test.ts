import 'reflect-metadata';
import { entityColumns } from '../../src/common/entity-columns';
import { ActivityEntity } from '../../src/modules/activity/activity.entity';
import { MEASUREMENTS } from '../../src/modules/measurement/measurement.service';

describe('entityColumns: columns as the entity declares them', () => {
  it('names own and inherited columns with their SQL types, in the order asked', () => {
    const { columns, sqlTypes } = entityColumns(ActivityEntity, [
      'title',
      'projectId',
      'participantsFemale',
    ] as const);
    // projectId is declared by ProjectRowEntity, the base of both project-row tables.
    expect(Object.entries(columns)).toEqual([
      ['title', 'title'],
      ['projectId', 'project_id'],
      ['participantsFemale', 'participants_female'],
    ]);
    expect(sqlTypes).toEqual({ title: 'text', project_id: 'uuid', participants_female: 'integer' });
  });

  it('gives imports the SQL types the recordset needs (numeric value, text enums)', () => {
    expect(MEASUREMENTS.sqlTypes).toMatchObject({
      value: 'numeric',
      measured_on: 'date',
      period: 'text',
      sample_size: 'integer',
      indicator_id: 'uuid',
    });
  });

  it('refuses a field the entity does not declare', () => {
    expect(() => entityColumns(ActivityEntity, ['nonsense'])).toThrow(/ActivityEntity.nonsense/);
  });
});
