import { MaxLength } from 'class-validator';
import { ArgsType, Field, InputType } from 'type-graphql';
import { IsCleanText } from '../../common/validation';
import { PageArgs } from '../../common/connection';
import { ImportItemStatus } from '../import/import.type';
import { SpreadsheetFormat, SpreadsheetMapping, SpreadsheetRows } from './spreadsheet.type';

/**
 * The longest file content a GraphQL request carries: under the 1 MiB request body with room
 * for the query. Larger files go to POST /import/… (up to 32 MiB).
 */
export const CONTENT_LIMIT = 900_000;

@InputType({
  description:
    'A spreadsheet sent as a variable: the same import, validation and per-row results as POST /import/{rows}.{format}, for files up to 900,000 characters.',
})
export class ImportSpreadsheetInput {
  @Field(() => SpreadsheetRows, { description: 'What the rows are.' })
  rows!: SpreadsheetRows;

  @Field(() => SpreadsheetFormat, { description: 'The file’s format.' })
  format!: SpreadsheetFormat;

  @Field({
    description:
      'The file: its text for CSV, base64 for XLSX; at most 900,000 characters (larger files: POST /import/…, up to 32 MiB).',
  })
  @MaxLength(CONTENT_LIMIT, {
    message: `content is larger than ${CONTENT_LIMIT.toLocaleString('en')} characters: send larger files to POST /import/{activities|measurements}.{csv|xlsx} (up to 32 MiB)`,
  })
  content!: string;

  @Field({ description: 'Country code of the tenant all rows belong to.' })
  @IsCleanText(2)
  tenantCode!: string;

  @Field({
    description:
      'Your key for this import (1–190 characters): the same key and file again replay the finished job (or resume an interrupted one) and write nothing twice; another file under it is CONFLICT.',
  })
  @IsCleanText(190)
  idempotencyKey!: string;

  @Field({ defaultValue: false, description: 'Check and report every row, write nothing.' })
  dryRun!: boolean;

  @Field(() => SpreadsheetMapping, {
    defaultValue: SpreadsheetMapping.STANDARD,
    description: 'How the headers name the columns (STANDARD, or KOBO for a Kobo/ODK export).',
  })
  mapping!: SpreadsheetMapping;
}

@ArgsType()
export class ImportJobRowsArgs extends PageArgs {
  @Field(() => ImportItemStatus, {
    nullable: true,
    description: 'Only the rows of this outcome (e.g. INVALID).',
  })
  status?: ImportItemStatus | null;
}
