/**
 * The provider fakes the tests use, as dev tools: `npx ionflux dev fake <name> [--port N]` starts one on
 * its documented port and prints how to point the local runtime at it (environment, secrets to store).
 *
 * Adding a fake is one line below: a name, its port, and the module exporting its `DevFake` (loaded only
 * when that fake is started or listed, so the CLI does not load every fake).
 */

/** What a fake needs to know to start as a dev tool. */
export interface DevFakeSettings {
  /** 127.0.0.1 port (0: any free port). */
  port: number;
  /** The secret root the runtime uses (`IONFLUX_SECRET_ROOT`, default `ionflux`). */
  secretRoot: string;
  /** Values of the fake's own flags (`options`). */
  values: Record<string, string | boolean | undefined>;
}

export interface RunningDevFake {
  origin: string;
  /** Environment the local runtime needs to talk to this fake (`KEY=value npm run dev`). */
  env: Record<string, string>;
  /** Secrets to store, complete values (`npx ionflux secrets set <name> '<json>'`). */
  secrets: Record<string, Record<string, string>>;
  /** A few lines on what it serves. */
  notes: string[];
  stop(): Promise<void>;
}

export interface DevFake {
  summary: string;
  /** Flags beyond `--port`, as node:util parseArgs options, with a description and their default. */
  options?: Record<string, { type: 'string'; description: string; default: string }>;
  start(settings: DevFakeSettings): Promise<RunningDevFake>;
}

export interface DevFakeEntry {
  /** The documented port (distinct per fake; the local runtime is 3000). */
  port: number;
  load(): Promise<DevFake>;
}

export const devFakes: Record<string, DevFakeEntry> = {
  shopify: { port: 3101, load: () => import('./shopify/dev-fake').then((m) => m.shopifyDevFake) },
  openai: { port: 3102, load: () => import('./openai/dev-fake').then((m) => m.openAiDevFake('openai')) },
  anthropic: { port: 3103, load: () => import('./anthropic/dev-fake').then((m) => m.anthropicDevFake) },
  deepseek: { port: 3104, load: () => import('./openai/dev-fake').then((m) => m.openAiDevFake('deepseek')) },
  'sentence-transformers': { port: 3105, load: () => import('./openai/dev-fake').then((m) => m.openAiDevFake('tei')) },
  'agent-service': { port: 3106, load: () => import('./agent-service/dev-fake').then((m) => m.agentServiceDevFake) },
  'azure-speech': { port: 3107, load: () => import('./azure-speech/dev-fake').then((m) => m.azureSpeechDevFake) },
  elevenlabs: { port: 3108, load: () => import('./elevenlabs/dev-fake').then((m) => m.elevenLabsDevFake) },
  coqui: { port: 3109, load: () => import('./coqui/dev-fake').then((m) => m.coquiDevFake) },
  ses: { port: 3110, load: () => import('./ses/dev-fake').then((m) => m.sesDevFake) },
  sendgrid: { port: 3111, load: () => import('./sendgrid/dev-fake').then((m) => m.sendGridDevFake) },
  pinecone: { port: 3112, load: () => import('./pinecone/dev-fake').then((m) => m.pineconeDevFake) },
  tiktok: { port: 3113, load: () => import('./tiktok/dev-fake').then((m) => m.tiktokDevFake) },
  whatsapp: { port: 3114, load: () => import('./whatsapp/dev-fake').then((m) => m.whatsappDevFake) },
};
