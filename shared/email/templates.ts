/**
 * Bulk templates: `{{name}}` placeholders filled per recipient by Handlebars. The html body is
 * HTML-escaped (`{{name}}` of `<b>` gives `&lt;b&gt;`; `{{{name}}}` opts out); subject and text are
 * not (they are not HTML). Templates are checked when the batch is accepted: a syntax error, a partial
 * or a placeholder a recipient has no value for is a 400 naming the field, never an empty "Hi ,".
 * Strict mode and the built-in helpers only (if, unless, with, each, lookup).
 */
import type HandlebarsModule from 'handlebars';
import { InvalidEmailRequestError } from './errors';

type Node = hbs.AST.Node & Record<string, unknown>;

export interface TemplateSource {
  subject: string;
  text?: string;
  html?: string;
}

export type TemplateData = Record<string, string | number | boolean | null>;

export interface Rendered {
  subject: string;
  text?: string;
  html?: string;
}

type Engine = ReturnType<(typeof HandlebarsModule)['create']>;
let engine: Engine | undefined;
/** Handlebars is loaded by the first template: the functions that never render one never load it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const handlebars = (): Engine => (engine ??= (require('handlebars') as typeof HandlebarsModule).create());
const OPTIONS = { strict: true, knownHelpersOnly: true } as const;

/** Names of the data a template reads (the first segment of every path that is not a helper). */
function placeholders(program: hbs.AST.Program, field: string): Set<string> {
  const names = new Set<string>();
  const path = (node: Node | undefined) => {
    if (node?.type !== 'PathExpression') return;
    const p = node as unknown as hbs.AST.PathExpression;
    if (!p.data && p.parts.length > 0 && p.depth === 0) names.add(p.parts[0]!);
  };
  const walk = (node: Node | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        for (const statement of (node as unknown as hbs.AST.Program).body) walk(statement as Node);
        return;
      case 'MustacheStatement':
      case 'SubExpression':
      case 'BlockStatement': {
        const call = node as unknown as { path: Node; params: Node[]; hash?: { pairs: Array<{ value: Node }> }; program?: Node; inverse?: Node };
        // With parameters the path names a helper ({{#if x}}, {{lookup a b}}); without, it is a value.
        if (node.type === 'MustacheStatement' && !call.params.length && !call.hash) path(call.path);
        for (const param of call.params) (param.type === 'SubExpression' ? walk(param) : path(param));
        for (const pair of call.hash?.pairs ?? []) (pair.value.type === 'SubExpression' ? walk(pair.value) : path(pair.value));
        walk(call.program);
        walk(call.inverse);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator':
        throw new InvalidEmailRequestError(field, 'partials and decorators are not supported in email templates');
      default:
        return;
    }
  };
  walk(program as unknown as Node);
  return names;
}

export interface CompiledTemplates {
  /** Every placeholder the templates read. */
  placeholders: Set<string>;
  render(data: TemplateData): Rendered;
}

/** Parses, checks and compiles the three templates of a batch; throws InvalidEmailRequestError naming the field. */
export function compileTemplates(source: TemplateSource): CompiledTemplates {
  const names = new Set<string>();
  const compile = (field: 'subject' | 'text' | 'html', template: string) => {
    let program: hbs.AST.Program;
    try {
      program = handlebars().parse(template);
    } catch (error) {
      throw new InvalidEmailRequestError(field, `is not a valid template: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
    for (const name of placeholders(program, field)) names.add(name);
    return handlebars().compile(program, { ...OPTIONS, noEscape: field !== 'html' });
  };
  const subject = compile('subject', source.subject);
  const text = source.text === undefined ? undefined : compile('text', source.text);
  const html = source.html === undefined ? undefined : compile('html', source.html);
  return {
    placeholders: names,
    render(data) {
      const rendered: Rendered = { subject: subject(data).replace(/[\r\n]+/g, ' ').trim() };
      if (text) rendered.text = text(data);
      if (html) rendered.html = html(data);
      return rendered;
    },
  };
}

/** The placeholders a recipient has no value for (an explicit null counts as a value: it renders empty). */
export const missingPlaceholders = (templates: Pick<CompiledTemplates, 'placeholders'>, data: TemplateData): string[] =>
  [...templates.placeholders].filter((name) => !Object.hasOwn(data, name));
