/** The hash constructor the AWS SDK's SignatureV4 takes, on node:crypto (test oracle for our SigV4). */
import { createHash, createHmac } from 'node:crypto';

export class NodeSha256 {
  private readonly hash;
  constructor(secret?: Uint8Array | string) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: Uint8Array | string) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}
