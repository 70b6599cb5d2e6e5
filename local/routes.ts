/** Route matching for the manifest's `http` entries, with API Gateway's path templates (`{id}`, `{proxy+}`). */
import { functions } from '../functions/manifest';
import { type FunctionSpec, type HttpTrigger, isHttp } from '../functions/manifest-types';

export interface Route {
  spec: FunctionSpec & { trigger: HttpTrigger };
  method: string;
  path: string;
  routeKey: string;
  match(path: string): Record<string, string> | undefined;
}

/**
 * Matches a path against a template on its raw segments; the parameters come back still percent-encoded
 * (decodeParams decodes them, once the route is known to exist and the caller may use it).
 */
function compile(template: string): (path: string) => Record<string, string> | undefined {
  const parts = template.split('/');
  return (path) => {
    const actual = path.split('/');
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const greedy = /^\{(.+)\+\}$/.exec(part);
      if (greedy) {
        if (i >= actual.length || actual.slice(i).join('/') === '') return undefined;
        params[greedy[1]!] = actual.slice(i).join('/');
        return params;
      }
      if (i >= actual.length) return undefined;
      const param = /^\{(.+)\}$/.exec(part);
      if (param) {
        if (!actual[i]) return undefined;
        params[param[1]!] = actual[i]!;
      } else if (part !== actual[i]) return undefined;
    }
    return parts.length === actual.length ? params : undefined;
  };
}

/** Path parameters decoded as API Gateway does; undefined when one is not valid percent-encoding (API Gateway: 400). */
export function decodeParams(params: Record<string, string>): Record<string, string> | undefined {
  const decoded: Record<string, string> = {};
  try {
    for (const [name, value] of Object.entries(params)) decoded[name] = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  return decoded;
}

export function httpRoutes(list: readonly FunctionSpec[] = functions): Route[] {
  const routes = list
    .filter((f): f is FunctionSpec & { trigger: HttpTrigger } => isHttp(f.trigger))
    .map((spec) => {
      const { method, path } = spec.trigger.http;
      return { spec, method, path, routeKey: `${method} ${path}`, match: compile(path) };
    });
  // Like API Gateway: static paths win over templated ones.
  const weight = (p: string) => (p.includes('{') ? (p.includes('+}') ? 2 : 1) : 0);
  return routes.sort((a, b) => weight(a.path) - weight(b.path));
}

export function findRoute(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = route.match(path);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length ? { allowed } : undefined;
}
