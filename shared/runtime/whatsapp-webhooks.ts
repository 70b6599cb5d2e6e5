/**
 * The WhatsApp webhook provider of this execution environment (with the stores its before-events step
 * writes to), and every provider by name for the replay of parked deliveries.
 */
import type { WebhookProvider } from '../webhooks/provider';
import { webhookProviders } from '../webhooks/providers';
import { createWhatsAppWebhooks } from '../webhooks/providers/whatsapp/webhook';
import { perEnvironment } from './per-environment';
import { numberStates, optInRegistry, templateCache, whatsappConfig, whatsappKeywords, whatsappMessages } from './whatsapp-core';

export const whatsappWebhooks = perEnvironment(() =>
  createWhatsAppWebhooks({
    messages: whatsappMessages(),
    optIns: optInRegistry(),
    numbers: numberStates(),
    templates: templateCache(),
    keywords: whatsappKeywords(),
    pauseMs: whatsappConfig().pauseMs,
  }),
);

/** Every webhook provider by name, WhatsApp's built with its stores (parked deliveries are replayed through these). */
export const replayableWebhookProviders = (): Record<string, WebhookProvider> => ({ ...webhookProviders, whatsapp: whatsappWebhooks() as unknown as WebhookProvider });
