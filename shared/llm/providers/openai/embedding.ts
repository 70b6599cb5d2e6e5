/** embedding → POST /embeddings, asking for base64 on the wire (4 bytes per dimension instead of ~20). */
import { embeddingsTransform } from '../openai-compatible/embeddings';

export const openaiEmbedding = embeddingsTransform({ wireFormat: 'base64' });
