import { InvalidPlatformEventError } from '../../shared/events/errors';
import { createPlatformEvent, deterministicEventId, type NewEvent } from '../../shared/events/platform-event';
import { validatePlatformEvent } from '../../shared/events/platform-event-schema';

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
    // RFC 4122 version 5 in our namespace; the value Python's uuid.uuid5 gives for the same name. An id
    // that changed between releases would let a redelivery through every consumer's de-duplication.
    expect(deterministicEventId('shopify.orders.created', 'shopify', 'acme.myshopify.com', 'orders/create', 'evt-é1')).toBe('f28fd8a9-5276-5d3a-8738-c1d7ccaf6168');
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

  it('refuses to create an event from bad fields, naming each one, and never copies the payload', () => {
    const attempt = (overrides: Partial<NewEvent>) => () => createPlatformEvent({ ...base, ...overrides });
    expect(attempt({ eventType: 'Orders Created' })).toThrow(/event_type/);
    expect(attempt({ eventType: 'shopify' })).toThrow(/event_type/);
    expect(attempt({ workspaceId: 'a.b' })).toThrow(/workspace_id/);
    expect(attempt({ workspaceId: 'x'.repeat(65) })).toThrow(/workspace_id/);
    expect(attempt({ source: '' })).toThrow(/source_service_name/);
    expect(attempt({ source: 's'.repeat(129) })).toThrow(/source_service_name/);
    expect(attempt({ schemaVersion: 'v2' })).toThrow(/payload_schema_version/);
    expect(attempt({ timestamp: new Date('not a date') })).toThrow(/timestamp/);
    // Years past 9999 serialise as +010000-…, which no ISO 8601 reader (nor the schema) accepts.
    expect(attempt({ timestamp: new Date(Date.UTC(10000, 0, 1)) })).toThrow(/timestamp/);
    expect(attempt({ timestamp: new Date(Date.UTC(-1, 0, 1)) })).toThrow(/timestamp/);
    expect(validatePlatformEvent(createPlatformEvent({ ...base, timestamp: new Date('9999-12-31T23:59:59.999Z') })).timestamp).toBe('9999-12-31T23:59:59.999Z');
    // Only plain objects, as the schema's record: not a Date, a Map or a class instance.
    expect(attempt({ payload: new Date() as unknown as NewEvent['payload'] })).toThrow(/payload_json/);
    expect(attempt({ payload: new Map() as unknown as NewEvent['payload'] })).toThrow(/payload_json/);
    expect(createPlatformEvent({ ...base, payload: Object.assign(Object.create(null) as object, { a: 1 }) as NewEvent['payload'] }).payload_json).toEqual({ a: 1 });
    expect(attempt({ payload: [] as unknown as NewEvent['payload'] })).toThrow(/payload_json/);
    expect(attempt({ payload: null as unknown as NewEvent['payload'] })).toThrow(/payload_json/);
    try {
      attempt({ eventType: 'X', workspaceId: 'a b' })();
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPlatformEventError);
      expect((error as InvalidPlatformEventError).message).toMatch(/event_type.*workspace_id/);
    }
    // What it creates is what the schema accepts.
    const event = createPlatformEvent({ ...base, schemaVersion: '2.1', timestamp: new Date('2026-11-25T15:00:00.000Z') });
    expect(validatePlatformEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
    expect(event.timestamp).toBe('2026-11-25T15:00:00.000Z');
    expect(event.payload_json).toBe(base.payload);
  });
});
