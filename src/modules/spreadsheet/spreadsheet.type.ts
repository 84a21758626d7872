import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/connection';
import { ImportItemStatus } from '../import/import.type';
import { ImportJobState } from './spreadsheet.jobs';

export enum SpreadsheetRows {
  ACTIVITIES = 'activities',
  MEASUREMENTS = 'measurements',
}
registerEnumType(SpreadsheetRows, {
  name: 'SpreadsheetRows',
  description: 'What the rows of a spreadsheet are.',
  valuesConfig: {
    ACTIVITIES: { description: 'Activities (the columns of GET /export/activities.csv).' },
    MEASUREMENTS: { description: 'Measurements (the columns of GET /export/measurements.csv).' },
  },
});

export enum SpreadsheetFormat {
  CSV = 'csv',
  XLSX = 'xlsx',
}
registerEnumType(SpreadsheetFormat, {
  name: 'SpreadsheetFormat',
  description: 'The file format of a spreadsheet.',
  valuesConfig: {
    CSV: { description: 'CSV, UTF-8 (a byte-order mark is allowed).' },
    XLSX: { description: 'An Excel workbook (its first worksheet).' },
  },
});

export enum SpreadsheetMapping {
  STANDARD = 'standard',
  KOBO = 'kobo',
}
registerEnumType(SpreadsheetMapping, {
  name: 'SpreadsheetMapping',
  description: 'How the file’s headers name the columns.',
  valuesConfig: {
    STANDARD: { description: 'The export’s own column names (any case and punctuation).' },
    KOBO: {
      description:
        'A KoboToolbox or ODK export: group prefixes dropped, `_uuid` (or `meta/instanceID`) as externalId, the tools’ own columns ignored.',
    },
  },
});

registerEnumType(ImportJobState, {
  name: 'ImportJobState',
  description: 'Where an import job stands.',
  valuesConfig: {
    RUNNING: { description: 'Its batches are being imported.' },
    SUCCEEDED: { description: 'Every batch is done; the counts and rows are final.' },
    INTERRUPTED: {
      description:
        'Stopped before its last batch (the process or connection ended, or a batch failed: see lastError). The batches done stay; sending the same file with the same idempotency key resumes it.',
    },
  },
});

@ObjectType({ description: 'The outcome of one row of an imported spreadsheet.' })
export class ImportJobRow {
  @Field(() => Int, { description: 'The row’s number in the file (the header is row 1).' })
  row!: number;

  @Field(() => String, { nullable: true, description: 'The row’s externalId, if it has one.' })
  externalId!: string | null;

  @Field(() => ImportItemStatus, { description: 'Created, updated, unchanged or invalid.' })
  status!: ImportItemStatus;

  @Field(() => ID, {
    nullable: true,
    description: 'Id of the activity or measurement; null if none was written.',
  })
  id!: string | null;

  @Field(() => String, { nullable: true, description: 'For INVALID: the column.' })
  field!: string | null;

  @Field(() => String, { nullable: true, description: 'For INVALID: what is wrong.' })
  message!: string | null;
}

@ObjectType({ description: 'A page of an import job’s per-row results, in file order.' })
export class ImportJobRowConnection extends Connection(ImportJobRow, 'ImportJobRow') {}

@ObjectType({
  description:
    'A spreadsheet import: its file sent in batches of 1,000 rows through importActivities / importMeasurements, with its progress and per-row results. Read by the principal that started it and the tenant’s admins.',
})
export class ImportJob {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;

  @Field({ description: 'Country code of the tenant the rows were imported into.' })
  tenantCode!: string;

  @Field({ description: 'The key it was started with: the same key and file resume or replay it.' })
  idempotencyKey!: string;

  @Field(() => SpreadsheetRows, { description: 'What the rows are.' })
  rowKind!: SpreadsheetRows;

  @Field(() => SpreadsheetFormat, { description: 'The file’s format.' })
  format!: SpreadsheetFormat;

  @Field(() => SpreadsheetMapping, { description: 'How the headers were read.' })
  mapping!: SpreadsheetMapping;

  @Field({ description: 'Whether it only checked the rows (nothing written).' })
  dryRun!: boolean;

  @Field(() => ImportJobState, { description: 'Running, succeeded or interrupted.' })
  state!: ImportJobState;

  @Field(() => Int, { description: 'Rows of the file that are not empty.' })
  rowsTotal!: number;

  @Field(() => Int, { description: 'Rows with a result so far.' })
  rowsDone!: number;

  @Field(() => Int, { description: 'Batches of up to 1,000 rows the job sends.' })
  batchesTotal!: number;

  @Field(() => Int, { description: 'Batches done (committed) so far.' })
  batchesDone!: number;

  @Field(() => Int, { description: 'Rows created so far.' })
  created!: number;

  @Field(() => Int, { description: 'Rows updated so far.' })
  updated!: number;

  @Field(() => Int, { description: 'Rows already as sent so far.' })
  unchanged!: number;

  @Field(() => Int, { description: 'Rows refused so far (see `results(status: INVALID)`).' })
  invalid!: number;

  @Field({ description: 'Whether anything was written (false for dry runs).' })
  applied!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Why its last batch failed, when it did (the job is then INTERRUPTED).',
  })
  lastError!: string | null;

  @Field({ description: 'When it started.' })
  createdAt!: Date;

  @Field({ description: 'When it last made progress.' })
  updatedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When its last batch was done.' })
  finishedAt!: Date | null;
}
