/**
 * The SES account's sending quota (GetSendQuota): MaxSendRate paces every send, refreshed after
 * `refreshMs` (single flight: concurrent callers share one request). When a refresh fails the last
 * known value is used; with none, the call fails (sending without knowing the rate would be guessing).
 */
import { errorMessage } from '../../../errors';
import { moduleLogger } from '../../../observability/logger';

const log = moduleLogger('ses-quota');

export interface SendQuota {
  maxSendRate: number;
  max24HourSend: number;
  sentLast24Hours: number;
}

export type QuotaReader = (options: { signal: AbortSignal }) => Promise<SendQuota>;

export class SesQuota {
  private value?: { quota: SendQuota; at: number };
  private pending?: Promise<SendQuota>;

  constructor(
    private readonly read: QuotaReader,
    private readonly options: { refreshMs: number; clock?: () => number },
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async current(signal: AbortSignal): Promise<SendQuota> {
    if (this.value && this.now() - this.value.at < this.options.refreshMs) return this.value.quota;
    this.pending ??= this.read({ signal })
      .then((quota) => {
        if (!(quota.maxSendRate > 0)) throw new Error(`GetSendQuota answered MaxSendRate ${quota.maxSendRate}`);
        if (this.value?.quota.maxSendRate !== quota.maxSendRate) log.info('SES sending quota', { ...quota });
        this.value = { quota, at: this.now() };
        return quota;
      })
      .finally(() => (this.pending = undefined));
    try {
      return await this.pending;
    } catch (error) {
      if (!this.value) throw error;
      log.warn('GetSendQuota failed; pacing at the last known MaxSendRate', { error: errorMessage(error), max_send_rate: this.value.quota.maxSendRate });
      return this.value.quota;
    }
  }
}
