/** Canonical account ids: what the connections registry is keyed by, whatever spelling arrives. */
import { InvalidAccountIdError } from '../../shared/connections/errors';
import { normaliseAccountId } from '../../shared/connections/account-ids';

describe('normaliseAccountId', () => {
  it('keeps ids that are already canonical and normalises the spellings people paste', () => {
    expect(normaliseAccountId('shopify', 'acme-store.myshopify.com')).toBe('acme-store.myshopify.com');
    expect(normaliseAccountId('shopify', ' HTTPS://Acme-Store.myshopify.com// ')).toBe('acme-store.myshopify.com');
    expect(normaliseAccountId('shopify', 'http://acme.myshopify.com')).toBe('acme.myshopify.com');
    expect(normaliseAccountId('tiktok', ' open_id.ABC-1 ')).toBe('open_id.ABC-1');
    expect(normaliseAccountId('whatsapp', '106540352242922')).toBe('106540352242922');
  });

  it('refuses what is not an account id of the provider, saying what was expected', () => {
    expect(() => normaliseAccountId('shopify', 'acme.example.com')).toThrow(InvalidAccountIdError);
    expect(() => normaliseAccountId('shopify', 'acme.myshopify.com/admin')).toThrow(/shop domain/);
    expect(() => normaliseAccountId('shopify', '')).toThrow(InvalidAccountIdError);
    expect(() => normaliseAccountId('whatsapp', '+1 555 0100')).toThrow(/phone_number_id/);
    expect(() => normaliseAccountId('tiktok', 'a b')).toThrow(/open_id/);
  });
});
