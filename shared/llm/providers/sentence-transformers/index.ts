/** sentence-transformers: embeddings from a self-hosted OpenAI-compatible server. */
import { defineProvider } from '../../provider';
import { sentenceTransformersApi } from './api';
import { sentenceTransformersEmbedding } from './embedding';

export const sentenceTransformersProvider = defineProvider(sentenceTransformersApi, { embedding: sentenceTransformersEmbedding });
