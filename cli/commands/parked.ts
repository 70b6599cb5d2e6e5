import { parseArgs } from 'node:util';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { replayParked } from '../../shared/webhooks/replay';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

const listOptions = { provider: { type: 'string' }, json: { type: 'boolean', default: false } } as const;
const replayOptions = { provider: { type: 'string' }, account: { type: 'string' } } as const;

export const parkedList: Command = {
  path: ['parked', 'list'],
  usage: 'ionflux parked list [--provider <name>] [--json]',
  summary: 'verified webhooks kept because no workspace owned their account yet',
  options: listOptions,
  async run(args, io) {
    const { values } = parseArgs({ args, options: listOptions });
    await ensureResources();
    const parked = await webhookDeps().parked.list(values.provider ? { provider: values.provider } : {});
    if (!parked.length && !values.json) io.out(`none${values.provider ? ` for ${values.provider}` : ''}`);
    for (const p of parked) {
      if (values.json) io.out(JSON.stringify({ id: p.id, provider: p.provider, account_id: p.account_id, kind: p.kind, reason: p.reason, received_at: p.received_at, bytes: p.rawBody.length }));
      else io.out(`${p.received_at}  ${p.provider}  ${p.account_id}  ${p.kind}  (${p.rawBody.length} bytes)  ${p.reason}`);
    }
  },
};

export const parkedReplay: Command = {
  path: ['parked', 'replay'],
  usage: 'ionflux parked replay [--provider <name> --account <id>]',
  summary: 'replay parked webhooks whose account is now connected',
  options: replayOptions,
  async run(args, io) {
    const { values } = parseArgs({ args, options: replayOptions });
    if (values.account !== undefined && !values.provider) throw new UsageError(`${this.usage}\n--account needs --provider (an account id means something only for its provider)`);
    await ensureResources();
    // Loaded only here: the providers' own stores (WhatsApp's) are for replays, not every CLI start.
    const { replayableWebhookProviders } = await import('../../shared/runtime/whatsapp-webhooks');
    const report = await replayParked(replayableWebhookProviders(), webhookDeps(), {
      deadline: Date.now() + 5 * 60_000,
      ...(values.provider ? { provider: values.provider } : {}),
      ...(values.account ? { accountId: values.account } : {}),
    });
    for (const item of report.items) io.out(`${item.id}  ${item.kind}  ${item.outcome}`);
    io.out(`replayed ${report.replayed}, still parked ${report.stillParked}, failed ${report.failed}`);
    return report.failed ? 1 : 0;
  },
};
