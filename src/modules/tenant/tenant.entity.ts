import { Check, Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { SOURCE_LANGUAGE_CHECK } from '../translation/translation.languages';

/** A BCP 47 tag of the shapes the translation tables accept, inside a regular expression. */
const TAG = '[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?';

/** A country programme: the unit of data isolation that every tenant-owned row keys on. */
@Entity({ name: 'tenants' })
@Unique('tenants_code_key', ['code'])
@Check('tenants_code_check', `code ~ '^[A-Z]{2}$'`)
@Check('tenants_name_check', 'length(name) BETWEEN 1 AND 200')
@Check('tenants_min_cell_size_check', 'min_cell_size >= 3')
@Check('tenants_source_language_check', SOURCE_LANGUAGE_CHECK)
@Check('tenants_enabled_languages_check', 'cardinality(enabled_languages) > 0')
@Check(
  'tenants_enabled_languages_tags_check',
  `array_position(enabled_languages, NULL) IS NULL AND cardinality(enabled_languages) <= 50 ` +
    `AND array_to_string(enabled_languages, ',') ~ '^${TAG}(,${TAG})*$'`,
)
export class TenantEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'tenants_pkey' })
  id!: string;

  /** Two capital letters, the country code, e.g. `KG`. */
  @Column({ name: 'code', type: 'text' })
  code!: string;

  @Column({ name: 'name', type: 'text' })
  name!: string;

  @Column({ name: 'default_locale', type: 'text', default: 'en' })
  defaultLocale!: string;

  /** IANA time zone name. */
  @Column({ name: 'timezone', type: 'text', default: 'UTC' })
  timezone!: string;

  /** Smallest group size an aggregate may report for this tenant. */
  @Column({ name: 'min_cell_size', type: 'integer', default: 10 })
  minCellSize!: number;

  /** The language the row's own text is in (BCP 47); other languages in translations. */
  @Column({ name: 'source_language', type: 'text', default: 'en' })
  sourceLanguage!: string;

  /** The languages its names are offered in; requests are matched against them. */
  @Column({
    name: 'enabled_languages',
    type: 'text',
    array: true,
    default: () => "'{en,ru,tg,ky,uz-Latn,uz-Cyrl}'",
  })
  enabledLanguages!: string[];

  @Column({ name: 'version', type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
