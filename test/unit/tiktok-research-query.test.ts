import { condition, parseResearchQuery } from '../../shared/tiktok/research-query';
import { researchWindows, splitWindows } from '../../shared/tiktok/research-windows';

const NOW = Date.UTC(2026, 11, 6, 12);

describe('Research API query builder', () => {
  it('builds conditions in TikTok’s form, normalised', () => {
    expect(condition.eq('hashtag_name', '#SkinCare ')).toEqual({ operation: 'EQ', field_name: 'hashtag_name', field_values: ['skincare'] });
    expect(condition.in('region_code', ['us', 'CA', 'US'])).toEqual({ operation: 'IN', field_name: 'region_code', field_values: ['US', 'CA'] });
    expect(condition.compare('create_date', 'GTE', '2026-01-01')).toEqual({ operation: 'GTE', field_name: 'create_date', field_values: ['20260101'] });
  });

  it('takes TikTok’s own form and the short forms', () => {
    const query = parseResearchQuery({
      and: [{ hashtag_name: '#OOTD' }, { region_code: ['us', 'br'] }, { create_date: { gte: '20260101' } }],
      or: [{ field_name: 'keyword', operation: 'eq', field_values: ['linen'] }],
      not: [{ video_length: 'short' }],
    });
    expect(query).toEqual({
      and: [
        { operation: 'EQ', field_name: 'hashtag_name', field_values: ['ootd'] },
        { operation: 'IN', field_name: 'region_code', field_values: ['US', 'BR'] },
        { operation: 'GTE', field_name: 'create_date', field_values: ['20260101'] },
      ],
      or: [{ operation: 'EQ', field_name: 'keyword', field_values: ['linen'] }],
      not: [{ operation: 'EQ', field_name: 'video_length', field_values: ['SHORT'] }],
    });
  });

  it.each([
    [undefined, 'query', /must be an object/],
    [{}, 'query', /at least one condition/],
    [{ and: [], or: [] }, 'query', /at least one condition/],
    [{ where: [] }, 'query', /unexpected key/],
    [{ and: {} }, 'query.and', /list of conditions/],
    [{ and: [{ follower_count: 5 }] }, 'query.and[0]', /not a condition field/],
    [{ and: [{ username: { gt: 'a' } }] }, 'query.and[0]', /takes EQ, IN/],
    [{ or: [{ region_code: 'USA' }] }, 'query.or[0]', /two-letter region code/],
    [{ not: [{ create_date: '2026-02-30' }] }, 'query.not[0]', /YYYYMMDD/],
    [{ and: [{ hashtag_name: 'two words' }] }, 'query.and[0]', /hashtag/],
    [{ and: [{ field_name: 'region_code', operation: 'EQ', field_values: ['US', 'CA'] }] }, 'query.and[0]', /exactly one value/],
    [{ and: [{ field_name: 'region_code', operation: 'IN', field_values: [] }] }, 'query.and[0]', /1 to 100 values/],
    [{ and: [{ hashtag_name: 'a', region_code: 'US' }] }, 'query.and[0]', /exactly one field/],
  ])('refuses %j naming %s', (input, field, message) => {
    let error: unknown;
    try {
      parseResearchQuery(input);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, details: { field } });
    expect((error as Error).message).toMatch(message);
  });
});

describe('Research API windows', () => {
  it('keeps a window of 30 days or less whole', () => {
    expect(researchWindows({ start_date: '20261101', end_date: '2026-11-30' }, NOW)).toEqual([{ start_date: '20261101', end_date: '20261130' }]);
    expect(researchWindows({ start_date: '20261205', end_date: '20261205' }, NOW)).toEqual([{ start_date: '20261205', end_date: '20261205' }]);
  });

  it('splits a longer window into consecutive windows of 30 days, both ends included', () => {
    expect(splitWindows(Date.UTC(2026, 0, 1), Date.UTC(2026, 2, 15))).toEqual([
      { start_date: '20260101', end_date: '20260130' },
      { start_date: '20260131', end_date: '20260301' },
      { start_date: '20260302', end_date: '20260315' },
    ]);
    const year = researchWindows({ start_date: '20251207', end_date: '20261206' }, NOW);
    expect(year).toHaveLength(13);
    expect(year[0]!.start_date).toBe('20251207');
    expect(year.at(-1)!.end_date).toBe('20261206');
  });

  it.each([
    [{ start_date: '20261110', end_date: '20261101' }, 'end_date', /before start_date/],
    [{ start_date: '20261207', end_date: '20261210' }, 'start_date', /future/],
    [{ start_date: '20240101', end_date: '20261101' }, 'end_date', /at most 366/],
    [{ start_date: '2026-13-01', end_date: '20261101' }, 'start_date', /calendar date/],
    [{ start_date: 20261101, end_date: '20261101' }, 'start_date', /YYYYMMDD/],
  ])('refuses %j naming %s', (input, field, message) => {
    expect(() => researchWindows(input, NOW)).toThrow(message);
    try {
      researchWindows(input, NOW);
    } catch (error) {
      expect(error).toMatchObject({ status: 400, details: { field } });
    }
  });
});
