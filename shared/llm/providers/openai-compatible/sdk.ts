/**
 * The openai SDK, for every provider on the OpenAI wire. client.ts requires this module on the first
 * request that needs it, so a cold start never evaluates the SDK (~80 ms here).
 */
export { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAI } from 'openai';
