/**
 * `npm run bench -- <name>`: runs one benchmark (not a test). Each prints a table and writes JSON under
 * bench/results/. Benchmarks compare ratios measured in one run: absolute numbers on shared machines are noisy.
 */
const benchmarks: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  bundles: () => import('./bundles'),
  webhooks: () => import('./webhooks'),
  llm: () => import('./llm'),
  whatsapp: () => import('./whatsapp'),
  audio: () => import('./audio'),
  dispatch: () => import('./dispatch'),
  email: () => import('./email'),
  memory: () => import('./memory'),
  cost: () => import('./cost'),
};

async function main(): Promise<void> {
  // Benchmarks measure the code, not the console: only warnings are logged (set before any module loads).
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const [name, ...args] = process.argv.slice(2);
  const load = name ? benchmarks[name] : undefined;
  if (!load) {
    console.error(`usage: npm run bench -- <${Object.keys(benchmarks).join('|')}> [options]`);
    process.exit(2);
  }
  await (await load()).run(args);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
