import {
  type FieldNode,
  getDirectiveValues,
  GraphQLIncludeDirective,
  type GraphQLResolveInfo,
  GraphQLSkipDirective,
  Kind,
  type SelectionSetNode,
} from 'graphql';

/** Per field (its nodes) and request (its variables): sibling parents share both. */
const memo = new WeakMap<readonly FieldNode[], WeakMap<object, ReadonlySet<string>>>();

/**
 * The names of the fields a query selects on the nodes of the connection that `info`
 * resolves (under `nodes` and `edges { node }`), through fragments and honouring `@skip` and
 * `@include`: what a list has to load.
 */
export function selectedNodeFields(info: GraphQLResolveInfo): ReadonlySet<string> {
  let byVariables = memo.get(info.fieldNodes);
  if (!byVariables) {
    byVariables = new WeakMap();
    memo.set(info.fieldNodes, byVariables);
  }
  const cached = byVariables.get(info.variableValues);
  if (cached) return cached;
  const names = new Set<string>();
  for (const connection of info.fieldNodes.flatMap((node) => fieldsOf(node.selectionSet, info))) {
    if (connection.name.value === 'nodes') {
      for (const field of fieldsOf(connection.selectionSet, info)) names.add(field.name.value);
    } else if (connection.name.value === 'edges') {
      for (const edge of fieldsOf(connection.selectionSet, info)) {
        if (edge.name.value !== 'node') continue;
        for (const field of fieldsOf(edge.selectionSet, info)) names.add(field.name.value);
      }
    }
  }
  byVariables.set(info.variableValues, names);
  return names;
}

/**
 * The field nodes named `name` that a query selects on the nodes of the connection `info`
 * resolves (under `nodes` and `edges { node }`), through fragments and honouring `@skip` and
 * `@include`: a nested connection a root field may fetch in its own statement.
 */
export function selectedNodeFieldNodes(info: GraphQLResolveInfo, name: string): FieldNode[] {
  const found: FieldNode[] = [];
  for (const connection of info.fieldNodes.flatMap((node) => fieldsOf(node.selectionSet, info))) {
    const nodes =
      connection.name.value === 'nodes'
        ? [connection]
        : connection.name.value === 'edges'
          ? fieldsOf(connection.selectionSet, info).filter((edge) => edge.name.value === 'node')
          : [];
    for (const node of nodes) {
      for (const field of fieldsOf(node.selectionSet, info)) {
        if (field.name.value === name) found.push(field);
      }
    }
  }
  return found;
}

/** The fields of a selection set, fragments expanded, those skipped left out. */
function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of set?.selections ?? []) {
    if (!included(selection, info)) continue;
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...fieldsOf(selection.selectionSet, info));
    } else {
      fields.push(...fieldsOf(info.fragments[selection.name.value]?.selectionSet, info));
    }
  }
  return fields;
}

function included(node: Parameters<typeof getDirectiveValues>[1], info: GraphQLResolveInfo) {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, info.variableValues);
  const include = getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues);
  return skip?.if !== true && include?.if !== false;
}

/**
 * The names of the fields a query selects directly on the object `info` resolves, through
 * fragments and honouring `@skip` and `@include`: which relations a root field may fetch in
 * its own statement.
 */
export function selectedFields(info: GraphQLResolveInfo): ReadonlySet<string> {
  return new Set(
    info.fieldNodes.flatMap((node) => fieldsOf(node.selectionSet, info).map((f) => f.name.value)),
  );
}
