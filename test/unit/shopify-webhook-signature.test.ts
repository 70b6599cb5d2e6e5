import { signShopifyWebhook, verifyShopifyWebhook } from '../../shared/webhooks/providers/shopify/shopify-hmac';
import { shopifyEntityKey } from '../../shared/webhooks/providers/shopify/webhook';
import { orderDate, parseAmount } from '../../shared/sentinel/order-counters';

describe('Shopify webhook HMAC', () => {
  it('matches the test vector of Shopify’s own library', () => {
    // shopify-app-js lib/webhooks/__tests__/validate.test.ts
    expect(signShopifyWebhook('{"foo": "bar"}', 'test_secret_key')).toBe('B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=');
    expect(verifyShopifyWebhook(Buffer.from('{"foo": "bar"}'), 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=', ['test_secret_key'])).toBe(true);
  });

  it('refuses changed bodies, other secrets and non-canonical signatures', () => {
    const body = Buffer.from('{"foo": "bar"}');
    const good = 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=';
    expect(verifyShopifyWebhook(Buffer.from('{"foo":"bar"}'), good, ['test_secret_key'])).toBe(false);
    expect(verifyShopifyWebhook(body, good, ['other'])).toBe(false);
    expect(verifyShopifyWebhook(body, good.replace('=', ''), ['test_secret_key'])).toBe(false);
    expect(verifyShopifyWebhook(body, `${good} `, ['test_secret_key'])).toBe(false);
    expect(verifyShopifyWebhook(body, Buffer.from(good, 'base64').toString('hex'), ['test_secret_key'])).toBe(false);
    expect(verifyShopifyWebhook(body, good, [])).toBe(false);
    // The same 32 bytes in a non-canonical spelling (the last character's spare bits set): refused.
    expect(verifyShopifyWebhook(body, good.replace('g=', 'h='), ['test_secret_key'])).toBe(false);
    expect(Buffer.from(good.replace('g=', 'h='), 'base64').equals(Buffer.from(good, 'base64'))).toBe(true);
    // During a rotation, either secret verifies.
    expect(verifyShopifyWebhook(body, good, ['new-secret', 'test_secret_key'])).toBe(true);
  });
});

describe('Shopify entity keys', () => {
  it('keys each entity’s events so they stay ordered', () => {
    expect(shopifyEntityKey('orders/create', { id: 820982911946154500 }, 's')).toBe('820982911946154500');
    expect(shopifyEntityKey('inventory_levels/update', { inventory_item_id: 1, location_id: 2 }, 's')).toBe('1:2');
    expect(shopifyEntityKey('customers/redact', { customer: { id: 7 } }, 's')).toBe('7');
    expect(shopifyEntityKey('shop/redact', { shop_id: 9 }, 's')).toBe('9');
    expect(shopifyEntityKey('themes/publish', {}, 'shop.myshopify.com')).toBe('shop.myshopify.com');
  });
});

describe('money as integers', () => {
  it('turns decimal strings into exact hundredths without floating point', () => {
    const cents = (v: unknown) => (parseAmount(v) as { hundredths: bigint }).hundredths;
    expect(cents('59.80')).toBe(5980n);
    expect(cents('0.1')).toBe(10n);
    expect(cents('1999')).toBe(199900n);
    expect(cents('10.500')).toBe(1050n);
    expect(cents('-3.5')).toBe(-350n);
    expect(cents(12.3)).toBe(1230n);
    expect(cents('999999999999999.99')).toBe(99999999999999999n); // 15 integer digits: beyond a double, still exact
  });

  it('refuses what it cannot sum exactly, saying why', () => {
    expect(parseAmount('10.005')).toEqual({ problem: expect.stringContaining('below the cent') });
    expect(parseAmount('9'.repeat(400))).toEqual({ problem: expect.stringContaining('more than 15 integer digits') });
    expect(parseAmount('12345678901234567890')).toEqual({ problem: expect.stringContaining('more than 15 integer digits') });
    expect(parseAmount(1e22)).toEqual({ problem: expect.stringContaining('not a decimal amount') });
    expect(parseAmount('1e3')).toEqual({ problem: expect.stringContaining('not a decimal amount') });
    expect(parseAmount('abc')).toEqual({ problem: expect.stringContaining('not a decimal amount') });
    expect(parseAmount(undefined)).toEqual({ problem: 'no total_price' });
  });

  it('takes an order\'s day from created_at only when it is a real date', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(orderDate('2026-11-20T23:30:00-05:00', now)).toBe('2026-11-20'); // the shop's own date
    expect(orderDate('9999-99-99', now)).toBeUndefined();
    expect(orderDate('9999-99-99T00:00:00Z', now)).toBeUndefined();
    expect(orderDate('2026-02-30T10:00:00Z', now)).toBeUndefined();
    expect(orderDate('2999-01-01T00:00:00Z', now)).toBeUndefined(); // not yet
    expect(orderDate(20261120, now)).toBeUndefined();
  });
});
