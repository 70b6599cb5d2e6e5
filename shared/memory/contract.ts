/**
 * The request bodies of the memory routes (zod/mini, strict: a misspelt field is a 400). Records are
 * checked by hand in the service (records.ts): a 1,000 × 1,536 upsert holds 1.5 M numbers, which a
 * schema walk would validate one by one at many times the cost of a plain loop.
 */
import * as z from 'zod/mini';
import '../zod-messages';
import { MAX_NAMESPACE_LENGTH } from './namespaces';
import { METRICS } from './vector-store';

/** Pinecone's limits, enforced before anything is sent (and by the embedded store alike). */
export const LIMITS = {
  /** Records per Pinecone upsert request, and its body size. */
  upsertBatchRecords: 1000,
  upsertBatchBytes: 2 * 1024 * 1024,
  /** Records per route call (several batches), and texts to embed per call. */
  upsertRecords: 10_000,
  upsertTexts: 2048,
  textCharacters: 100_000,
  idBytes: 512,
  topK: 10_000,
  /** top_k when values or metadata come back. */
  topKWithData: 1000,
  fetchIds: 1000,
  deleteIds: 1000,
  maxDimension: 20_000,
} as const;

const NamespaceFields = {
  namespace_template: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_NAMESPACE_LENGTH))),
  variables: z.optional(z.record(z.string(), z.union([z.string().check(z.maxLength(1024)), z.number()]))),
  resolved_namespace: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_NAMESPACE_LENGTH))),
  /** An index from the allow-list (default: the configured index). */
  index: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
};

const ModelId = z.string().check(z.minLength(1), z.maxLength(128));

export const UpsertBodySchema = z.strictObject({
  ...NamespaceFields,
  records: z.array(z.unknown()).check(z.minLength(1), z.maxLength(LIMITS.upsertRecords)),
  embedding_model: z.optional(ModelId),
});

export const QueryBodySchema = z.strictObject({
  ...NamespaceFields,
  vector: z.optional(z.array(z.unknown()).check(z.minLength(1), z.maxLength(LIMITS.maxDimension))),
  text: z.optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.textCharacters))),
  id: z.optional(z.string().check(z.minLength(1))),
  top_k: z.int().check(z.gte(1), z.lte(LIMITS.topK)),
  filter: z.optional(z.record(z.string(), z.unknown())),
  include_metadata: z.optional(z.boolean()),
  include_values: z.optional(z.boolean()),
  embedding_model: z.optional(ModelId),
});

export const FetchBodySchema = z.strictObject({
  ...NamespaceFields,
  ids: z.array(z.string()).check(z.minLength(1), z.maxLength(LIMITS.fetchIds)),
});

export const DeleteBodySchema = z.strictObject({
  ...NamespaceFields,
  ids: z.optional(z.array(z.string()).check(z.minLength(1), z.maxLength(LIMITS.deleteIds))),
  filter: z.optional(z.record(z.string(), z.unknown())),
  all: z.optional(z.literal(true)),
});

export const CreateIndexBodySchema = z.strictObject({
  name: z.string(),
  embedding_model: z.optional(ModelId),
  dimension: z.optional(z.int().check(z.gte(1), z.lte(LIMITS.maxDimension))),
  metric: z.optional(z.enum(METRICS)),
  cloud: z.optional(z.enum(['aws', 'gcp', 'azure'])),
  region: z.optional(z.string().check(z.regex(/^[a-z0-9-]{2,32}$/, 'must be a cloud region such as us-east-1'))),
  deletion_protection: z.optional(z.enum(['enabled', 'disabled'])),
});

export type UpsertBody = z.infer<typeof UpsertBodySchema>;
export type QueryBody = z.infer<typeof QueryBodySchema>;
export type FetchBody = z.infer<typeof FetchBodySchema>;
export type DeleteBody = z.infer<typeof DeleteBodySchema>;
export type CreateIndexBody = z.infer<typeof CreateIndexBodySchema>;

/** Pinecone index names: lower-case letters, digits and "-", at most 45 characters. */
export const INDEX_NAME = /^[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?$/;
