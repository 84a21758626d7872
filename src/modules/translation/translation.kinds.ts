import { registerEnumType } from 'type-graphql';

/** The rows whose texts are translated (the `entity_type` of the translation tables). */
export enum TranslatableEntity {
  PROJECT = 'project',
  COMMUNITY = 'community',
  ACTIVITY = 'activity',
  INDICATOR = 'indicator',
  TENANT = 'tenant',
  ORGANISATION = 'organisation',
}

/** The texts that are translated. */
export enum TranslatedField {
  NAME = 'name',
  DESCRIPTION = 'description',
  TITLE = 'title',
}

registerEnumType(TranslatableEntity, {
  name: 'TranslatableEntity',
  description: 'A kind of row whose names are translated.',
  valuesConfig: {
    PROJECT: { description: 'A project (name, description).' },
    COMMUNITY: { description: 'A community (name).' },
    ACTIVITY: { description: 'An activity (title).' },
    INDICATOR: { description: 'An indicator (name, description).' },
    TENANT: { description: 'A tenant, i.e. a country (name); global, translated by operators.' },
    ORGANISATION: { description: 'An organisation (name); global, translated by operators.' },
  },
});

registerEnumType(TranslatedField, {
  name: 'TranslatedField',
  description: 'A translated text of a row.',
  valuesConfig: {
    NAME: { description: 'The name.' },
    DESCRIPTION: { description: 'The description.' },
    TITLE: { description: 'The title (activities).' },
  },
});

/** How the translations of one kind of row are stored and who may write them. */
export type TranslatableKind = Readonly<{
  entity: TranslatableEntity;
  /** The GraphQL type name, for audit entries and messages. */
  typeName: string;
  /** The table of the rows, aliased `e` in the service's SQL. */
  table: string;
  /** Its translated fields: the GraphQL field and the column holding the source text. */
  fields: Readonly<Partial<Record<TranslatedField, string>>>;
  /** Global rows (no tenant) keep their translations in global_translations. */
  global: boolean;
}>;

export const PROJECT_TEXTS: TranslatableKind = {
  entity: TranslatableEntity.PROJECT,
  typeName: 'Project',
  table: 'projects',
  fields: { [TranslatedField.NAME]: 'name', [TranslatedField.DESCRIPTION]: 'description' },
  global: false,
};

export const COMMUNITY_TEXTS: TranslatableKind = {
  entity: TranslatableEntity.COMMUNITY,
  typeName: 'Community',
  table: 'communities',
  fields: { [TranslatedField.NAME]: 'name' },
  global: false,
};

export const ACTIVITY_TEXTS: TranslatableKind = {
  entity: TranslatableEntity.ACTIVITY,
  typeName: 'Activity',
  table: 'activities',
  fields: { [TranslatedField.TITLE]: 'title' },
  global: false,
};

/** Indicators: a tenant's own are tenant rows; global ones (no tenant) are global. */
export const INDICATOR_TEXTS: TranslatableKind = {
  entity: TranslatableEntity.INDICATOR,
  typeName: 'Indicator',
  table: 'indicators',
  fields: { [TranslatedField.NAME]: 'name', [TranslatedField.DESCRIPTION]: 'description' },
  global: false,
};

export const TENANT_TEXTS: TranslatableKind = {
  entity: TranslatableEntity.TENANT,
  typeName: 'Tenant',
  table: 'tenants',
  fields: { [TranslatedField.NAME]: 'name' },
  global: true,
};

export const ORGANISATION_TEXTS: TranslatableKind = {
  entity: TranslatableEntity.ORGANISATION,
  typeName: 'Organisation',
  table: 'organisations',
  fields: { [TranslatedField.NAME]: 'name' },
  global: true,
};

export const TRANSLATABLE: Readonly<Record<TranslatableEntity, TranslatableKind>> = {
  [TranslatableEntity.PROJECT]: PROJECT_TEXTS,
  [TranslatableEntity.COMMUNITY]: COMMUNITY_TEXTS,
  [TranslatableEntity.ACTIVITY]: ACTIVITY_TEXTS,
  [TranslatableEntity.INDICATOR]: INDICATOR_TEXTS,
  [TranslatableEntity.TENANT]: TENANT_TEXTS,
  [TranslatableEntity.ORGANISATION]: ORGANISATION_TEXTS,
};

/** What a translated row brings to its fields' resolvers. */
export type TranslatableRow = Readonly<{
  id: string;
  /** Null for global rows (tenants, organisations, global indicators). */
  tenantId?: string | null;
  sourceLanguage?: string;
}>;
