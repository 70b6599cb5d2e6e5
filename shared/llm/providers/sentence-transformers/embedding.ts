/** embedding → POST /embeddings, floats on the wire (self-hosted servers do not all speak base64). */
import { embeddingsTransform } from '../openai-compatible/embeddings';

export const sentenceTransformersEmbedding = embeddingsTransform({ wireFormat: 'float' });
