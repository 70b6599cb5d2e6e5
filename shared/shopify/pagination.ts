/**
 * Cursor pagination over GraphQL Admin connections (`edges { cursor node }` or `nodes`, plus
 * `pageInfo { hasNextPage endCursor }`). Shopify caps `first` at 250 and stops paginating at 25,000
 * objects; larger reads belong to bulk operations (bulk-operations.ts).
 */
export interface PageInfo {
  hasNextPage: boolean;
  endCursor?: string | null;
}

export interface GraphqlConnection<N> {
  edges?: Array<{ cursor?: string; node: N }>;
  nodes?: N[];
  pageInfo: PageInfo;
}

export const MAX_PAGE_SIZE = 250;

export interface Page<N> {
  items: N[];
  /** Pass back as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function pageOf<N>(connection: GraphqlConnection<N> | null | undefined): Page<N> {
  if (!connection) return { items: [], nextCursor: null };
  const items = connection.nodes ?? (connection.edges ?? []).map((e) => e.node);
  const last = connection.edges?.[connection.edges.length - 1]?.cursor;
  const cursor = connection.pageInfo?.endCursor ?? last ?? null;
  return { items, nextCursor: connection.pageInfo?.hasNextPage && cursor ? cursor : null };
}

/** Every page, in order, until the last one (or `maxItems`). */
export async function* paginate<N>(
  fetchPage: (after: string | null) => Promise<GraphqlConnection<N> | null | undefined>,
  options: { maxItems?: number; after?: string | null } = {},
): AsyncGenerator<N[]> {
  let after = options.after ?? null;
  let seen = 0;
  for (;;) {
    const page = pageOf(await fetchPage(after));
    const room = options.maxItems === undefined ? page.items.length : Math.max(0, options.maxItems - seen);
    const items = page.items.slice(0, room);
    seen += items.length;
    if (items.length) yield items;
    if (!page.nextCursor || (options.maxItems !== undefined && seen >= options.maxItems)) return;
    after = page.nextCursor;
  }
}

export async function collectAll<N>(pages: AsyncIterable<N[]>): Promise<N[]> {
  const all: N[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}
