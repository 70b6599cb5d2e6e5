/**
 * Namespaces: what a request names (`{namespace_template, variables}` or a `resolved_namespace`) is
 * rendered, checked, and placed under the workspace's own prefix `ws_<workspace_id>/`. The stores take
 * only the `WorkspaceNamespace` and `WorkspacePrefix` values built here (their constructors are not
 * exported), so no request can name a namespace outside its workspace: the prefix is part of the type,
 * not a check a new route could forget.
 *
 * Rules (the same for Pinecone and the embedded store):
 * - placeholders are `{name}` (lower-case letters, digits, `_`); `{workspace_id}` is the path's workspace,
 *   every other placeholder must be given in `variables` (else 400 `unknown_placeholder`), non-empty
 *   (else 400 `empty_variable`); variables the template does not use are ignored;
 * - a variable's value is 1–128 of `A–Z a–z 0–9 . _ : @ + = -` (no `/`: a value cannot add or escape a
 *   level), never `.` or `..`;
 * - the rendered namespace is `/`-separated segments of those characters, none empty, `.` or `..`;
 *   with the prefix it is at most 512 characters (Pinecone's limit for a namespace name).
 */
import { assertWorkspaceId } from '../workspaces/workspace-id';
import { MemoryRequestError } from './errors';

export const MAX_NAMESPACE_LENGTH = 512;
const VARIABLE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const VALUE = /^[A-Za-z0-9._:@+=-]{1,128}$/;
const SEGMENT = /^[A-Za-z0-9._:@+=-]+$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;

declare const brand: unique symbol;

/** A namespace inside one workspace: `relative` is what callers see, `stored` what the backend holds. */
export interface WorkspaceNamespace {
  readonly workspaceId: string;
  /** As the caller names it, e.g. `acme/agent-7/memory`. */
  readonly relative: string;
  /** `ws_<workspace_id>/<relative>`: the backend's namespace name. */
  readonly stored: string;
  readonly [brand]: 'WorkspaceNamespace';
}

/** Every namespace of one workspace: `ws_<workspace_id>/`. */
export interface WorkspacePrefix {
  readonly workspaceId: string;
  readonly prefix: string;
  readonly [brand]: 'WorkspacePrefix';
}

export interface NamespaceRef {
  namespace_template?: string | undefined;
  variables?: Record<string, string | number> | undefined;
  resolved_namespace?: string | undefined;
}

export function workspacePrefix(workspaceId: string): WorkspacePrefix {
  const id = assertWorkspaceId(workspaceId);
  return { workspaceId: id, prefix: `ws_${id}/` } as WorkspacePrefix;
}

function under(prefix: WorkspacePrefix, relative: string, field: string): WorkspaceNamespace {
  const segments = relative.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new MemoryRequestError('invalid_namespace', `${field} "${relative}" has an empty, "." or ".." level`, { namespace: relative });
    }
    if (!SEGMENT.test(segment)) {
      throw new MemoryRequestError('invalid_namespace', `${field} "${relative}": "${segment}" may only contain letters, digits and . _ : @ + = -`, { namespace: relative });
    }
  }
  const stored = `${prefix.prefix}${relative}`;
  if (stored.length > MAX_NAMESPACE_LENGTH) {
    throw new MemoryRequestError('invalid_namespace', `${field} is ${relative.length} characters; at most ${MAX_NAMESPACE_LENGTH - prefix.prefix.length} fit under this workspace's prefix`, {
      namespace: relative,
    });
  }
  return { workspaceId: prefix.workspaceId, relative, stored } as WorkspaceNamespace;
}

/** Renders a template with its variables (`{workspace_id}` from the path). */
export function renderTemplate(template: string, variables: Record<string, string | number>, workspaceId: string): string {
  if (typeof template !== 'string' || template === '') throw new MemoryRequestError('invalid_namespace', 'namespace_template must be a non-empty string');
  const stray = template.replace(PLACEHOLDER, '');
  if (stray.includes('{') || stray.includes('}')) {
    throw new MemoryRequestError('invalid_namespace_template', `namespace_template "${template}" has an unbalanced "{" or "}"`, { template });
  }
  for (const name of Object.keys(variables)) {
    if (!VARIABLE_NAME.test(name)) throw new MemoryRequestError('invalid_variable', `variables: "${name}" is not a variable name (lower-case letters, digits, "_")`, { variable: name });
  }
  if (variables.workspace_id !== undefined && String(variables.workspace_id) !== workspaceId) {
    throw new MemoryRequestError('workspace_mismatch', `variables.workspace_id "${String(variables.workspace_id)}" is not this route's workspace "${workspaceId}"`, {
      variable: 'workspace_id',
    });
  }
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (name === 'workspace_id') return workspaceId;
    if (!VARIABLE_NAME.test(name)) throw new MemoryRequestError('invalid_namespace_template', `namespace_template "${template}": "{${name}}" is not a placeholder name`, { template });
    if (!(name in variables)) {
      throw new MemoryRequestError('unknown_placeholder', `namespace_template "${template}" uses {${name}}, which variables does not give`, {
        placeholder: name,
        given: Object.keys(variables),
      });
    }
    const raw = variables[name];
    const value = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
    if (value === '' || value === undefined || value === null) {
      throw new MemoryRequestError('empty_variable', `variables.${name} is empty; {${name}} needs a value`, { variable: name });
    }
    if (typeof value !== 'string' || !VALUE.test(value) || value === '.' || value === '..') {
      throw new MemoryRequestError('invalid_variable', `variables.${name} must be 1–128 letters, digits or . _ : @ + = - (no "/"), not "." or ".."`, { variable: name });
    }
    return value;
  });
}

/** The namespace a request names, inside the workspace's prefix. Exactly one of template and resolved. */
export function workspaceNamespace(workspaceId: string, ref: NamespaceRef): WorkspaceNamespace {
  const prefix = workspacePrefix(workspaceId);
  const hasTemplate = ref.namespace_template !== undefined;
  const hasResolved = ref.resolved_namespace !== undefined;
  if (hasTemplate === hasResolved) {
    throw new MemoryRequestError('invalid_namespace', 'name the namespace with either "namespace_template" (and "variables") or "resolved_namespace", exactly one');
  }
  if (hasResolved) {
    if (ref.variables !== undefined) throw new MemoryRequestError('invalid_namespace', '"variables" go with "namespace_template", not with "resolved_namespace"');
    if (typeof ref.resolved_namespace !== 'string' || ref.resolved_namespace === '') throw new MemoryRequestError('invalid_namespace', 'resolved_namespace must be a non-empty string');
    if (/[{}]/.test(ref.resolved_namespace)) {
      throw new MemoryRequestError('invalid_namespace', `resolved_namespace "${ref.resolved_namespace}" still has placeholders; send it as namespace_template with variables`);
    }
    return under(prefix, ref.resolved_namespace, 'resolved_namespace');
  }
  return under(prefix, renderTemplate(ref.namespace_template!, ref.variables ?? {}, prefix.workspaceId), 'the rendered namespace');
}

/** A stored name read back from the backend, if it lies under the prefix (listings); else undefined. */
export function namespaceFromStored(prefix: WorkspacePrefix, stored: string): WorkspaceNamespace | undefined {
  if (!stored.startsWith(prefix.prefix) || stored.length === prefix.prefix.length) return undefined;
  try {
    return under(prefix, stored.slice(prefix.prefix.length), 'namespace');
  } catch {
    return undefined;
  }
}
