/**
 * Email addresses: `a@b.example` or `Display Name <a@b.example>` (parsed by nodemailer's addressparser),
 * checked by the WHATWG (HTML) rule plus a dotted domain and RFC 5321's lengths. Suppressions and
 * de-duplication compare the lower-cased address.
 */
import addressparser from 'nodemailer/lib/addressparser';
import type { Mailbox } from './message';

const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const isEmailAddress = (value: string): boolean => value.length <= 254 && ADDRESS.test(value);

/** The key an address is compared by (suppressions, duplicates). */
export const addressKey = (address: string): string => address.trim().toLowerCase();

/** One mailbox, or a sentence saying what is wrong with it. */
export function parseMailbox(value: string): Mailbox | { problem: string } {
  if (/[\r\n]/.test(value)) return { problem: 'must not contain line breaks' };
  const parsed = addressparser(value, { flatten: true });
  if (parsed.length !== 1) return { problem: `must be one address, e.g. "a@example.com" or "Name <a@example.com>" (got ${parsed.length})` };
  const [entry] = parsed;
  const address = entry!.address?.trim() ?? '';
  if (!isEmailAddress(address)) return { problem: `"${value}" is not a valid email address` };
  const name = entry!.name?.trim();
  return name ? { address, name } : { address };
}

/** How a mailbox is written in a header or shown back to the caller. */
export const formatMailbox = (mailbox: Mailbox): string => (mailbox.name ? `${JSON.stringify(mailbox.name)} <${mailbox.address}>` : mailbox.address);
