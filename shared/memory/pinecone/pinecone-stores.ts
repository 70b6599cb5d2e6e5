/**
 * Which Pinecone project serves a call: the secret `<root>/platform/pinecone`
 * (`{"api_key", "controller_host_url"?}`), or the workspace's own when its generic_secrets_config_json
 * maps `pinecone` (SecretResolver). One store (one SDK client, its described indexes) per credential,
 * reused by every call of the execution environment. A workspace's own `controller_host_url` is checked
 * like an LLM base_url (public https only), and every call made with a workspace's key goes through the
 * guarded fetch, which checks each connection's address and follows no redirect: a workspace cannot
 * point the platform's functions at an internal address, nor can the index hosts its project describes.
 */
import { createHash } from 'node:crypto';
import type { CredentialSource } from '../../llm/service';
import type { RetryPolicy } from '../../llm/retry-policy';
import type { StoreSource } from '../service';
import type { VectorStore } from '../vector-store';
import { PineconeVectorStore } from './pinecone-store';

type Credential = Awaited<ReturnType<CredentialSource['resolve']>>;

export interface PineconeStoresOptions {
  secrets: CredentialSource & { platform(provider: string): Promise<Credential> };
  policy: RetryPolicy;
  /** SSRF check of a workspace-supplied controller_host_url (network-guard.ts baseUrlGuard). */
  vetUrl(url: string, what: string): Promise<void>;
  /** The fetch for calls made with a workspace's key (network-guard.ts guardedFetch). */
  workspaceFetch: typeof globalThis.fetch;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class PineconeStores implements StoreSource {
  readonly backend = 'pinecone' as const;
  private readonly stores = new Map<string, PineconeVectorStore>();

  constructor(private readonly options: PineconeStoresOptions) {}

  async forWorkspace(workspaceId: string): Promise<VectorStore> {
    return this.storeFor(await this.options.secrets.resolve({ provider: 'pinecone', workspaceId }));
  }

  async forPlatform(): Promise<VectorStore> {
    return this.storeFor(await this.options.secrets.platform('pinecone'));
  }

  private async storeFor(credential: Credential): Promise<VectorStore> {
    const apiKey = credential.require('api_key');
    const controller = credential.get('controller_host_url');
    const workspaceOwned = credential.source === 'workspace';
    if (workspaceOwned && controller) await this.options.vetUrl(controller, `controller_host_url of ${credential.secretName}`);
    const key = `${credential.secretName}\n${createHash('sha256').update(apiKey).digest('hex')}\n${controller ?? ''}`;
    let store = this.stores.get(key);
    if (!store) {
      // A rotated key makes a new entry; entries of old keys are few and dropped with the cache.
      if (this.stores.size > 64) this.stores.clear();
      const fetch = this.options.workspaceFetch;
      store = new PineconeVectorStore({
        apiKey,
        ...(controller ? { controllerHostUrl: controller } : {}),
        secretName: credential.secretName,
        policy: this.options.policy,
        onKeyRejected: () => this.options.secrets.invalidate(credential.secretName),
        ...(workspaceOwned ? { fetch: () => fetch } : {}),
        ...(this.options.clock ? { clock: this.options.clock } : {}),
        ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
      });
      this.stores.set(key, store);
    }
    return store;
  }
}
