/**
 * The parts of the Anthropic SDK this provider uses: the base client with only the Messages resource
 * (the full client pulls every beta resource: ~3× the bundle) and the error classes. api.ts requires this
 * module on the first request that goes to Anthropic, so a cold start never evaluates the SDK.
 */
import { BaseAnthropic } from '@anthropic-ai/sdk/client';
import { Messages } from '@anthropic-ai/sdk/resources/messages/messages';

export { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk/core/error';

export class AnthropicMessagesClient extends BaseAnthropic {
  messages: Messages = new Messages(this);
}
