/**
 * The Pinecone v9 SDK. pinecone-store.ts requires this module when a store is first built, so a cold
 * start (and every function that does not talk to Pinecone, e.g. under the embedded store) never
 * evaluates it.
 */
export { Pinecone } from '@pinecone-database/pinecone';
