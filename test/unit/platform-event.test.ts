import { InvalidPlatformEventError } from '../../shared/events/errors';
import { createPlatformEvent, deterministicEventId, validatePlatformEvent } from '../../shared/events/platform-event';

describe('PlatformEvent', () => {
  const base = {
    idParts: ['shopify', 'shop.myshopify.com', 'orders/create', 'evt-1'],
    eventType: 'shopify.orders.created',
    workspaceId: 'acme',
    source: 'webhook-shopify',
    payload: { id: 1 },
  };

  it('has exactly the seed fields', () => {
    const event = createPlatformEvent(base);
    expect(Object.keys(event).sort()).toEqual(
      ['event_id', 'event_type', 'payload_json', 'payload_schema_version', 'source_service_name', 'timestamp', 'workspace_id'].sort(),
    );
    expect(event.payload_schema_version).toBe('1');
    expect(new Date(event.timestamp).toISOString()).toBe(event.timestamp);
  });

  it('derives a stable UUID from the upstream id, so a redelivery has the same event_id', () => {
    const a = createPlatformEvent({ ...base, timestamp: new Date('2026-01-01T00:00:00Z') });
    const b = createPlatformEvent({ ...base, timestamp: new Date('2026-06-01T00:00:00Z') });
    const other = createPlatformEvent({ ...base, idParts: [...base.idParts.slice(0, 3), 'evt-2'] });
    expect(a.event_id).toBe(b.event_id);
    expect(a.event_id).not.toBe(other.event_id);
    expect(a.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicEventId('a', 'bc')).not.toBe(deterministicEventId('ab', 'c'));
  });

  it('rejects events that do not follow the schema, naming each problem', () => {
    const good = createPlatformEvent(base);
    expect(() => validatePlatformEvent({ ...good, extra: 1 })).toThrow(InvalidPlatformEventError);
    expect(() => validatePlatformEvent({ ...good, timestamp: 'yesterday' })).toThrow(/timestamp/);
    expect(() => validatePlatformEvent({ ...good, event_type: 'Orders Created' })).toThrow(/event_type/);
    expect(() => validatePlatformEvent({ ...good, workspace_id: 'a.b' })).toThrow(/workspace_id/);
    expect(() => validatePlatformEvent({ ...good, payload_json: 'x' })).toThrow(/payload_json/);
    expect(validatePlatformEvent(JSON.parse(JSON.stringify(good)))).toEqual(good);
  });
});
