/**
 * Just enough GraphQL for the fake Shopify: parse one operation (query or mutation, variables,
 * aliases, arguments, inline fragments), project resolver results onto the selection set (a field the
 * data does not have is an error, as an unknown field is for the real API), and compute query cost the
 * way Shopify documents it (objects 1, scalars 0, connections 2 + first × node cost, mutations 10).
 */
export type Value =
  | { kind: 'var'; name: string }
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'string' | 'enum'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'list'; values: Value[] }
  | { kind: 'object'; fields: Record<string, Value> };

export interface Field {
  kind: 'field';
  alias?: string;
  name: string;
  args: Record<string, Value>;
  selections?: Selection[];
}
export interface InlineFragment {
  kind: 'inline';
  typeCondition?: string;
  selections: Selection[];
}
export type Selection = Field | InlineFragment;

export interface Operation {
  type: 'query' | 'mutation';
  name?: string;
  selections: Selection[];
}

export class GraphqlSyntaxError extends Error {}
export class GraphqlFieldError extends Error {}

type Token = { t: 'punct' | 'name' | 'int' | 'float' | 'string'; v: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/[\s,\ufeff]/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (source.startsWith('...', i)) {
      tokens.push({ t: 'punct', v: '...' });
      i += 3;
      continue;
    }
    if ('!$()=:@[]{}|&'.includes(c)) {
      tokens.push({ t: 'punct', v: c });
      i++;
      continue;
    }
    if (c === '"') {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        if (end < 0) throw new GraphqlSyntaxError('unterminated block string');
        tokens.push({ t: 'string', v: source.slice(i + 3, end) });
        i = end + 3;
        continue;
      }
      let j = i + 1;
      let out = '';
      while (j < source.length && source[j] !== '"') {
        if (source[j] === '\\') {
          const n = source[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };
          if (n === 'u') {
            out += String.fromCharCode(parseInt(source.slice(j + 2, j + 6), 16));
            j += 6;
          } else {
            out += map[n ?? ''] ?? n;
            j += 2;
          }
        } else out += source[j++];
      }
      if (j >= source.length) throw new GraphqlSyntaxError('unterminated string');
      tokens.push({ t: 'string', v: out });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i));
    if (num) {
      tokens.push({ t: num[1] || num[2] ? 'float' : 'int', v: num[0] });
      i += num[0].length;
      continue;
    }
    const name = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(i));
    if (name) {
      tokens.push({ t: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    throw new GraphqlSyntaxError(`unexpected character "${c}"`);
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(v?: string): boolean {
    const t = this.tokens[this.i];
    return Boolean(t) && (v === undefined || t!.v === v);
  }
  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new GraphqlSyntaxError('unexpected end of document');
    return t;
  }
  private expect(v: string): void {
    const t = this.next();
    if (t.v !== v) throw new GraphqlSyntaxError(`expected "${v}", got "${t.v}"`);
  }
  private name(): string {
    const t = this.next();
    if (t.t !== 'name') throw new GraphqlSyntaxError(`expected a name, got "${t.v}"`);
    return t.v;
  }

  operation(): Operation {
    if (this.peek('{')) return { type: 'query', selections: this.selectionSet() };
    const type = this.name();
    if (type !== 'query' && type !== 'mutation') throw new GraphqlSyntaxError(`unsupported operation "${type}"`);
    const op: Operation = { type, selections: [] };
    if (this.tokens[this.i]?.t === 'name') op.name = this.name();
    if (this.peek('(')) {
      // Variable definitions: types are not checked by the fake.
      let depth = 0;
      do {
        const t = this.next();
        if (t.v === '(') depth++;
        if (t.v === ')') depth--;
      } while (depth > 0);
    }
    op.selections = this.selectionSet();
    if (this.i < this.tokens.length) throw new GraphqlSyntaxError('only one operation per document is supported by the fake');
    return op;
  }

  private selectionSet(): Selection[] {
    this.expect('{');
    const out: Selection[] = [];
    while (!this.peek('}')) {
      if (this.peek('...')) {
        this.next();
        let typeCondition: string | undefined;
        if (this.peek('on')) {
          this.next();
          typeCondition = this.name();
        }
        out.push({ kind: 'inline', ...(typeCondition ? { typeCondition } : {}), selections: this.selectionSet() });
        continue;
      }
      let name = this.name();
      let alias: string | undefined;
      if (this.peek(':')) {
        this.next();
        alias = name;
        name = this.name();
      }
      const args: Record<string, Value> = {};
      if (this.peek('(')) {
        this.next();
        while (!this.peek(')')) {
          const arg = this.name();
          this.expect(':');
          args[arg] = this.value();
        }
        this.next();
      }
      const field: Field = { kind: 'field', name, args, ...(alias ? { alias } : {}) };
      if (this.peek('{')) field.selections = this.selectionSet();
      out.push(field);
    }
    this.next();
    return out;
  }

  private value(): Value {
    const t = this.next();
    if (t.v === '$') return { kind: 'var', name: this.name() };
    if (t.t === 'int') return { kind: 'int', value: Number(t.v) };
    if (t.t === 'float') return { kind: 'float', value: Number(t.v) };
    if (t.t === 'string') return { kind: 'string', value: t.v };
    if (t.v === '[') {
      const values: Value[] = [];
      while (!this.peek(']')) values.push(this.value());
      this.next();
      return { kind: 'list', values };
    }
    if (t.v === '{') {
      const fields: Record<string, Value> = {};
      while (!this.peek('}')) {
        const key = this.name();
        this.expect(':');
        fields[key] = this.value();
      }
      this.next();
      return { kind: 'object', fields };
    }
    if (t.t === 'name') {
      if (t.v === 'true' || t.v === 'false') return { kind: 'bool', value: t.v === 'true' };
      if (t.v === 'null') return { kind: 'null' };
      return { kind: 'enum', value: t.v };
    }
    throw new GraphqlSyntaxError(`unexpected "${t.v}" in a value`);
  }
}

export const parseOperation = (source: string): Operation => new Parser(tokenize(source)).operation();

export function resolveValue(value: Value, variables: Record<string, unknown>): unknown {
  switch (value.kind) {
    case 'var':
      return variables[value.name] ?? null;
    case 'null':
      return null;
    case 'list':
      return value.values.map((v) => resolveValue(v, variables));
    case 'object':
      return Object.fromEntries(Object.entries(value.fields).map(([k, v]) => [k, resolveValue(v, variables)]));
    default:
      return value.value;
  }
}

export const resolveArgs = (field: Field, variables: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(field.args).map(([k, v]) => [k, resolveValue(v, variables)]));

/**
 * The data shaped like the selection. Object fields may be functions of their arguments (connections
 * with `first`, `quantities(names:)`); a selected field the object does not have throws.
 */
export function project(value: unknown, selections: Selection[] | undefined, variables: Record<string, unknown>, path = ''): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v, i) => project(v, selections, variables, `${path}[${i}]`));
  if (!selections) {
    if (typeof value === 'object') throw new GraphqlFieldError(`Field '${path}' of object type must have a selection of subfields`);
    return value;
  }
  if (typeof value !== 'object') throw new GraphqlFieldError(`Field '${path}' is a scalar and cannot have subfields`);
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const selection of selections) {
    if (selection.kind === 'inline') {
      if (!selection.typeCondition || object.__typename === selection.typeCondition) Object.assign(out, project(object, selection.selections, variables, path));
      continue;
    }
    const key = selection.alias ?? selection.name;
    if (selection.name === '__typename') {
      out[key] = object.__typename ?? null;
      continue;
    }
    if (!(selection.name in object)) throw new GraphqlFieldError(`Field '${selection.name}' doesn't exist on type '${String(object.__typename ?? 'Object')}'`);
    let fieldValue = object[selection.name];
    if (typeof fieldValue === 'function') fieldValue = (fieldValue as (args: Record<string, unknown>) => unknown)(resolveArgs(selection, variables));
    const projected = project(fieldValue, selection.selections, variables, path ? `${path}.${selection.name}` : selection.name);
    out[key] = key in out && typeof out[key] === 'object' && out[key] !== null && typeof projected === 'object' && projected !== null ? { ...(out[key] as object), ...projected } : projected;
  }
  return out;
}

const CONNECTION_WRAPPERS = new Set(['edges', 'pageInfo']);

/** Shopify's documented cost of a selection set (requested cost: connections at their `first`). */
export function selectionCost(selections: Selection[] | undefined, variables: Record<string, unknown>): number {
  if (!selections) return 0;
  let cost = 0;
  for (const s of selections) {
    if (s.kind === 'inline') {
      cost += selectionCost(s.selections, variables);
      continue;
    }
    if (!s.selections) continue; // scalar
    const args = resolveArgs(s, variables);
    const first = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : undefined;
    if (s.name === 'pageInfo') continue;
    if (s.name === 'edges') {
      cost += selectionCost(s.selections, variables);
      continue;
    }
    if (first !== undefined) {
      // A connection: 2 + first × (cost of one node).
      const nodeSelections = s.selections.flatMap((c) => (c.kind === 'field' && c.name === 'nodes' ? (c.selections ?? []) : c.kind === 'field' && c.name === 'edges' ? (c.selections ?? []).flatMap((e) => (e.kind === 'field' && e.name === 'node' ? (e.selections ?? []) : [])) : []));
      cost += 2 + first * (1 + selectionCost(nodeSelections, variables));
      continue;
    }
    cost += (CONNECTION_WRAPPERS.has(s.name) ? 0 : 1) + selectionCost(s.selections, variables);
  }
  return cost;
}

/** Objects actually returned (for `actualQueryCost`). */
export function resultCost(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + resultCost(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  const object = value as Record<string, unknown>;
  const wrapper = 'cursor' in object && 'node' in object;
  const isPageInfo = 'hasNextPage' in object;
  let n = wrapper || isPageInfo ? 0 : 1;
  for (const v of Object.values(object)) n += resultCost(v);
  return n;
}
