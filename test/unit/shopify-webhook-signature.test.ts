import { signShopifyWebhook, verifyShopifyWebhook } from '../../shared/webhooks/providers/shopify/shopify-hmac';
import { shopifyEntityKey } from '../../shared/webhooks/providers/shopify/webhook';
import { toHundredths } from '../../shared/sentinel/order-counters';

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
  it('turns decimal strings into hundredths without floating point', () => {
    expect(toHundredths('59.80')).toBe(5980);
    expect(toHundredths('0.1')).toBe(10);
    expect(toHundredths('1999')).toBe(199900);
    expect(toHundredths('10.005')).toBe(1000);
    expect(toHundredths('-3.5')).toBe(-350);
    expect(toHundredths(12.3)).toBe(1230);
    expect(toHundredths('abc')).toBe(0);
    expect(toHundredths(undefined)).toBe(0);
  });
});
