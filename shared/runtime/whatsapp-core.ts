/**
 * The WhatsApp stores and settings of this execution environment, shared by the webhook function and
 * the API functions: configuration (read from the environment here), the consent registry, message and
 * window records, number states and pacing leases, the template cache, who owns which number and with
 * which token, the Graph API client. shared/runtime/whatsapp.ts builds the services on top.
 */
import { config } from '../config/env';
import { vetUrl } from '../llm/network-guard';
import { readWhatsAppConfig } from '../whatsapp/config';
import { WhatsAppAccounts } from '../whatsapp/accounts';
import { GraphClient } from '../whatsapp/graph-api/client';
import { MessageStore } from '../whatsapp/message-store';
import { NumberStates } from '../whatsapp/number-state';
import { OptInRegistry } from '../whatsapp/opt-in-registry';
import { keywordMatcher } from '../whatsapp/stop-words';
import { TemplateCache } from '../whatsapp/template-cache';
import { ThroughputPacer } from '../whatsapp/throughput-pacer';
import { connectionRegistry } from './connections';
import { perEnvironment } from './per-environment';
import { secretResolver } from './secrets';
import { table } from './storage';

/** WHATSAPP_STOP_WORDS, WHATSAPP_START_WORDS, WHATSAPP_PAUSE_MINUTES, WHATSAPP_TEMPLATE_CACHE_SECONDS. */
export const whatsappConfig = perEnvironment(() => readWhatsAppConfig(process.env));

export const whatsappKeywords = perEnvironment(() => keywordMatcher(whatsappConfig().stopWords, whatsappConfig().startWords));

export const optInRegistry = perEnvironment(() => new OptInRegistry(table('whatsapp-opt-ins')));
export const whatsappMessages = perEnvironment(() => new MessageStore(table('whatsapp-messages')));
export const numberStates = perEnvironment(() => new NumberStates(table('whatsapp-numbers')));
export const throughputPacer = perEnvironment(() => new ThroughputPacer(table('whatsapp-numbers')));
export const templateCache = perEnvironment(() => new TemplateCache(table('whatsapp-templates'), { freshMs: whatsappConfig().templateCacheMs }));

export const whatsappAccounts = perEnvironment(() => new WhatsAppAccounts({ connections: connectionRegistry(), secrets: secretResolver() }));

/** Resolved at call time so `fetch` replacements (tests) and late globals are honoured. */
export const graphClient = perEnvironment(() => new GraphClient({ fetch: (input, init) => fetch(input, init) }));

/** The SSRF guard for media links Meta is asked to fetch (loopback allowed only in the local runtime). */
export const vetMediaLink = async (url: string, what: string): Promise<void> => {
  await vetUrl(url, { localMode: config().localMode, what });
};
