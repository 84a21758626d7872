import { Check, Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { SOURCE_LANGUAGE_CHECK } from '../translation/translation.languages';

export enum OrganisationKind {
  IMPLEMENTER = 'IMPLEMENTER',
  PARTNER_NGO = 'PARTNER_NGO',
  UN_AGENCY = 'UN_AGENCY',
  DONOR = 'DONOR',
  GOVERNMENT = 'GOVERNMENT',
  RELIGIOUS_INSTITUTION = 'RELIGIOUS_INSTITUTION',
  COMMUNITY_GROUP = 'COMMUNITY_GROUP',
}

/** An organisation taking part in the programme; global, shared by every tenant. */
@Entity({ name: 'organisations' })
@Unique('organisations_name_key', ['name'])
@Check('organisations_name_check', 'length(name) BETWEEN 1 AND 300')
@Check(
  'organisations_kind_check',
  `kind IN ('IMPLEMENTER', 'PARTNER_NGO', 'UN_AGENCY', 'DONOR', 'GOVERNMENT', 'RELIGIOUS_INSTITUTION', 'COMMUNITY_GROUP')`,
)
@Check(
  'organisations_iati_identifier_check',
  `length(iati_identifier) <= 100 AND iati_identifier ~ '^[A-Z]{2}-[A-Za-z0-9]+-[A-Za-z0-9._-]+$'`,
)
@Check('organisations_source_language_check', SOURCE_LANGUAGE_CHECK)
export class OrganisationEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'organisations_pkey' })
  id!: string;

  @Column({ name: 'name', type: 'text' })
  name!: string;

  @Column({ name: 'kind', type: 'text' })
  kind!: OrganisationKind;

  /** Its IATI organisation identifier (registration agency prefix and number), if known. */
  @Column({ name: 'iati_identifier', type: 'text', nullable: true })
  iatiIdentifier!: string | null;
  /** The language the row's own text is in (BCP 47); other languages in translations. */
  @Column({ name: 'source_language', type: 'text', default: 'en' })
  sourceLanguage!: string;

  @Column({ name: 'version', type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
