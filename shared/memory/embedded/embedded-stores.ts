/** The embedded backend serves every workspace and the platform from the one store under IONFLUX_HOME. */
import type { StoreSource } from '../service';
import type { VectorStore } from '../vector-store';
import type { EmbeddedVectorStore } from './embedded-store';

export class EmbeddedStores implements StoreSource {
  readonly backend = 'embedded' as const;

  constructor(private readonly store: EmbeddedVectorStore) {}

  async forWorkspace(): Promise<VectorStore> {
    return this.store;
  }

  async forPlatform(): Promise<VectorStore> {
    return this.store;
  }
}
