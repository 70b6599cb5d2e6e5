/**
 * Operator commands for email:
 *   ionflux email send --workspace <id> --from <a> --to <b> --subject <s> --text <t>   send one message now, in process
 *   ionflux email suppressions list --workspace <id> [--json]                           who the workspace no longer mails, and why
 *   ionflux email suppressions remove --workspace <id> --email <address>                lift one (an operator's decision)
 * With nothing configured (`npm run dev`'s embedded state), `send` writes the message to
 * `$IONFLUX_HOME/mail/<dispatch_id>.eml`; with AWS_ENDPOINT_URL or AWS it goes through SES (or
 * IONFLUX_EMAIL_TRANSPORT).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { config } from '../../shared/config/env';
import { CATEGORIES } from '../../shared/email/message';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

/** The email service, loaded when an email command runs (not for every `ionflux` command). */
const email = () => import('../../shared/runtime/email');

/** Content types of common attachments (anything else is sent as application/octet-stream). */
const MEDIA_TYPES: Record<string, string> = { '.pdf': 'application/pdf', '.txt': 'text/plain', '.csv': 'text/csv', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.html': 'text/html', '.json': 'application/json' };

export const emailSend: Command = {
  path: ['email', 'send'],
  usage:
    'ionflux email send --workspace <id> --from <a> --to <b> [--to <c>…] [--cc <d>] [--bcc <e>] --subject <s> (--text <t> | --html <h>) [--category transactional|marketing] [--attach <file>…] [--idempotency-key <k>]',
  summary: 'send one email now (embedded: written to $IONFLUX_HOME/mail/<dispatch_id>.eml), and print the answer',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        workspace: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string', multiple: true },
        cc: { type: 'string', multiple: true },
        bcc: { type: 'string', multiple: true },
        subject: { type: 'string' },
        text: { type: 'string' },
        html: { type: 'string' },
        category: { type: 'string', default: 'transactional' },
        attach: { type: 'string', multiple: true },
        'idempotency-key': { type: 'string' },
      },
      allowPositionals: false,
    });
    if (positionals.length || !values.workspace || !values.from || !values.to?.length || !values.subject || (!values.text && !values.html)) throw new UsageError(this.usage);
    if (!(CATEGORIES as readonly string[]).includes(values.category!)) throw new UsageError(`--category must be ${CATEGORIES.join(' or ')}`);
    const attachments = (values.attach ?? []).map((file) => {
      if (!fs.existsSync(file)) throw new UsageError(`--attach ${file}: no such file`);
      return { filename: path.basename(file), content_base64: fs.readFileSync(file).toString('base64'), content_type: MEDIA_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' };
    });
    const [{ validate }, { SendRequestSchema }, { emlFile }, { emailConfig, emailSendService }] = await Promise.all([
      import('../../shared/http/json-body'),
      import('../../shared/email/contract'),
      import('../../shared/email/providers/embedded/transport'),
      email(),
    ]);
    const request = validate(
      {
        workspace_id: values.workspace,
        from: values.from,
        to: values.to,
        ...(values.cc ? { cc: values.cc } : {}),
        ...(values.bcc ? { bcc: values.bcc } : {}),
        subject: values.subject,
        ...(values.text ? { text: values.text } : {}),
        ...(values.html ? { html: values.html } : {}),
        category: values.category,
        ...(attachments.length ? { attachments } : {}),
        ...(values['idempotency-key'] ? { idempotency_key: values['idempotency-key'] } : {}),
      },
      SendRequestSchema,
    );
    await ensureResources();
    const answer = await emailSendService().send(request, {
      deadline: Date.now() + 30_000,
      publicBaseUrl: () => emailConfig().publicBaseUrl ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`,
    });
    io.out(JSON.stringify(answer, null, 2));
    if (answer.provider === 'embedded') io.err(`written to ${emlFile(path.join(config().home, 'mail'), answer.dispatch_id)} (open it with any mail client)`);
  },
};

export const emailSuppressionsList: Command = {
  path: ['email', 'suppressions', 'list'],
  usage: 'ionflux email suppressions list --workspace <id> [--json]',
  summary: 'the addresses a workspace no longer mails (hard bounce, complaint: every category; unsubscribe: marketing)',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { workspace: { type: 'string' }, json: { type: 'boolean', default: false } }, allowPositionals: false });
    if (!values.workspace) throw new UsageError(this.usage);
    await ensureResources();
    const { suppressionStore } = await email();
    const list = await suppressionStore().list(assertWorkspaceId(values.workspace));
    if (values.json) {
      for (const s of list) io.out(JSON.stringify(s));
      return;
    }
    if (!list.length) {
      io.err(`no suppressions in workspace ${values.workspace}`);
      return;
    }
    const width = Math.max(...list.map((s) => s.email.length));
    for (const s of list) io.out(`${s.email.padEnd(width)}  ${s.reason.padEnd(11)}  ${s.scope === 'all' ? 'all mail      ' : 'marketing only'}  ${s.source.padEnd(8)}  ${s.created_at}`);
  },
};

export const emailSuppressionsRemove: Command = {
  path: ['email', 'suppressions', 'remove'],
  usage: 'ionflux email suppressions remove --workspace <id> --email <address>',
  summary: 'lift a suppression (the address gets mail again: only when you know why it bounced or complained)',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { workspace: { type: 'string' }, email: { type: 'string' } }, allowPositionals: false });
    if (!values.workspace || !values.email) throw new UsageError(this.usage);
    await ensureResources();
    const { suppressionStore } = await email();
    const removed = await suppressionStore().remove(assertWorkspaceId(values.workspace), values.email);
    if (!removed) {
      io.err(`${values.email} is not suppressed in workspace ${values.workspace}`);
      return 1;
    }
    io.out(`removed the suppression of ${values.email} in workspace ${values.workspace}`);
  },
};
