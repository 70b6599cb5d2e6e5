/** Shopify's refresh locks are the OAuth core's, keyed by shop domain in the `shopify-token-locks` table. */
export { type Cooldown, type Lease, refreshTokenFingerprint, type SpendState, TokenLocks } from '../oauth/token-locks';
