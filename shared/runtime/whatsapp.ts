/**
 * The WhatsApp services of this execution environment: sending, templates, onboarding, the opt-in
 * registry's API. Their events (consent changes, a paused number, a connected number) are few: they go
 * through the outbox, so these functions need no Kafka connection and no VPC for their Graph API traffic.
 */
import { config } from '../config/env';
import { BusinessTokenStore } from '../whatsapp/business-tokens';
import { OnboardingService } from '../whatsapp/onboarding-service';
import { OptInService } from '../whatsapp/opt-in-service';
import { SendService } from '../whatsapp/send-service';
import { TemplateService } from '../whatsapp/template-service';
import { connectionRegistry } from './connections';
import { outboxPublisher } from './outbox';
import { perEnvironment } from './per-environment';
import { secretResolver, secretStore } from './secrets';
import {
  graphClient,
  numberStates,
  optInRegistry,
  templateCache,
  throughputPacer,
  vetMediaLink,
  whatsappAccounts,
  whatsappConfig,
  whatsappMessages,
} from './whatsapp-core';

export const templateService = perEnvironment(() => new TemplateService({ accounts: whatsappAccounts(), graph: graphClient(), cache: templateCache() }));

export const sendService = perEnvironment(
  () =>
    new SendService({
      accounts: whatsappAccounts(),
      graph: graphClient(),
      optIns: optInRegistry(),
      messages: whatsappMessages(),
      numbers: numberStates(),
      pacer: throughputPacer(),
      templates: templateService(),
      publisher: outboxPublisher(),
      vetLink: vetMediaLink,
      source: config().serviceName,
      pauseMs: whatsappConfig().pauseMs,
    }),
);

export const optInService = perEnvironment(() => new OptInService({ accounts: whatsappAccounts(), registry: optInRegistry(), publisher: outboxPublisher(), source: config().serviceName }));

export const onboardingService = perEnvironment(
  () =>
    new OnboardingService({
      accounts: whatsappAccounts(),
      graph: graphClient(),
      connections: connectionRegistry(),
      tokens: new BusinessTokenStore(secretStore()),
      secrets: secretResolver(),
      publisher: outboxPublisher(),
      secretRoot: config().secretRoot,
      source: config().serviceName,
    }),
);
