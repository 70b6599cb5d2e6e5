/**
 * The SSRF guard as it runs in Lambda (localMode false): https only, every resolved address public
 * (private, loopback, link-local/metadata, CGNAT, reserved, IPv4-mapped IPv6 — property-tested over
 * whole ranges), with DNS answers injected; and recognising media formats from their bytes.
 */
import fc from 'fast-check';
import { InputError } from '../../shared/llm/errors';
import { mediaFetcher } from '../../shared/llm/inputs';
import { recogniseAudio, recogniseImage } from '../../shared/llm/media-types';
import { baseUrlGuard, isLoopbackAddress, isPublicAddress, type Lookup, vetUrl } from '../../shared/llm/network-guard';

const lookupOf = (table: Record<string, string[]>): Lookup => async (host) => {
  const addresses = table[host];
  if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const dns = lookupOf({
  'api.example.com': ['93.184.216.34'],
  'v6.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
  'metadata.example.com': ['169.254.169.254'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.5'],
  'cgnat.example.com': ['100.64.1.1'],
  'ula.example.com': ['fd00:ec2::254'],
  'mapped.example.com': ['::ffff:192.168.0.1'],
  localhost: ['127.0.0.1', '::1'],
});

async function refusal(url: string, localMode = false): Promise<InputError> {
  try {
    await vetUrl(url, { localMode, lookup: dns, what: 'url' });
  } catch (error) {
    return error as InputError;
  }
  throw new Error(`${url} was accepted`);
}

describe('addresses', () => {
  it.each([
    ['93.184.216.34', true],
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['10.0.0.1', false],
    ['172.16.5.4', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00:ec2::254', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:a00:1', false],
    ['::ffff:8.8.8.8', true],
    ['64:ff9b::a00:1', false],
    ['2001:db8::1', false],
    ['not-an-ip', false],
  ])('%s public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('no address inside a private or reserved IPv4 range is public, in dotted or IPv4-mapped IPv6 form', () => {
    const ranges: Array<[number, number]> = [
      [0x0a000000, 8],
      [0xac100000, 12],
      [0xc0a80000, 16],
      [0x7f000000, 8],
      [0xa9fe0000, 16],
      [0x64400000, 10],
      [0xe0000000, 4],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...ranges), fc.integer({ min: 0, max: 2 ** 32 - 1 }), ([base, bits], noise) => {
        const value = (base | (noise & (2 ** (32 - bits) - 1))) >>> 0;
        const dotted = [24, 16, 8, 0].map((s) => (value >>> s) & 255).join('.');
        expect(isPublicAddress(dotted)).toBe(false);
        expect(isPublicAddress(`::ffff:${dotted}`)).toBe(false);
      }),
    );
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
  });
});

describe('URLs (Lambda rules: localMode off)', () => {
  it('accepts https to public addresses, and IP literals that are public', async () => {
    await expect(vetUrl('https://api.example.com/v1', { localMode: false, lookup: dns, what: 'u' })).resolves.toMatchObject({ address: '93.184.216.34', family: 4 });
    await expect(vetUrl('https://v6.example.com/x', { localMode: false, lookup: dns, what: 'u' })).resolves.toMatchObject({ family: 6 });
    await expect(vetUrl('https://8.8.8.8/x', { localMode: false, lookup: dns, what: 'u' })).resolves.toMatchObject({ address: '8.8.8.8' });
  });

  it.each([
    ['http://api.example.com/a.wav', 'only https URLs are fetched'],
    ['https://127.0.0.1/a.wav', 'resolves to a private or reserved address'],
    ['https://localhost:8443/a.wav', 'resolves to a private or reserved address'],
    ['https://[::1]/a.wav', 'resolves to a private or reserved address'],
    ['https://metadata.example.com/latest', 'resolves to a private or reserved address'],
    ['https://mixed.example.com/a.png', 'resolves to a private or reserved address'],
    ['https://cgnat.example.com/a.png', 'resolves to a private or reserved address'],
    ['https://ula.example.com/a.png', 'resolves to a private or reserved address'],
    ['https://mapped.example.com/a.png', 'resolves to a private or reserved address'],
    ['https://[::ffff:10.0.0.1]/a.png', 'resolves to a private or reserved address'],
    ['https://user:pass@api.example.com/a.png', 'URLs with credentials are not fetched'],
    ['gopher://api.example.com/', 'only https URLs are fetched'],
  ])('refuses %s', async (url, why) => {
    const error = await refusal(url);
    expect(error).toBeInstanceOf(InputError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('unsafe_url');
    expect(error.message).toContain(why);
  });

  it('an unknown host is a 422, not a crash', async () => {
    const error = await refusal('https://nowhere.example.com/x');
    expect(error).toMatchObject({ status: 422, code: 'input_fetch_failed' });
  });

  it('local mode allows loopback (http too), and nothing else private', async () => {
    await expect(vetUrl('http://localhost:9000/a', { localMode: true, lookup: dns, what: 'u' })).resolves.toBeDefined();
    await expect(vetUrl('https://127.0.0.1/a', { localMode: true, lookup: dns, what: 'u' })).resolves.toBeDefined();
    expect((await refusal('http://mixed.example.com/a', true)).message).toContain('http is allowed to loopback only');
    expect((await refusal('https://metadata.example.com/a', true)).message).toContain('private or reserved');
  });

  it('the fetcher applies the same rules before connecting', async () => {
    const fetch = mediaFetcher({ localMode: false, timeoutMs: 1000, lookup: dns });
    await expect(fetch('http://127.0.0.1:1/a.wav', { kind: 'audio', field: 'audio_input_url', maxBytes: 100 }, Date.now() + 5000)).rejects.toMatchObject({
      code: 'unsafe_url',
      message: 'audio_input_url is refused: only https URLs are fetched',
    });
  });

  it('workspace base URLs are checked once per URL and TTL', async () => {
    let lookups = 0;
    let now = 0;
    const counting: Lookup = async (host) => {
      lookups++;
      return dns(host);
    };
    const guard = baseUrlGuard({ localMode: false, lookup: counting, ttlMs: 1000, clock: () => now });
    await guard('https://api.example.com/v1', 'base_url');
    await guard('https://api.example.com/v1', 'base_url');
    expect(lookups).toBe(1);
    now += 1001;
    await guard('https://api.example.com/v1', 'base_url');
    expect(lookups).toBe(2);
    await expect(guard('https://metadata.example.com/v1', 'base_url of x')).rejects.toThrow('base_url of x is refused');
  });
});

describe('media formats from bytes', () => {
  it.each([
    [Buffer.from('RIFF\0\0\0\0WAVEfmt '), 'audio/wav'],
    [Buffer.from('ID3\x04\0\0'), 'audio/mpeg'],
    [Buffer.from([0xff, 0xfb, 0x90, 0x00]), 'audio/mpeg'],
    [Buffer.from('fLaC\0\0'), 'audio/flac'],
    [Buffer.from('OggS\0\0'), 'audio/ogg'],
    [Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0]), 'audio/webm'],
    [Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypM4A ')]), 'audio/mp4'],
    [Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom')]), 'video/mp4'],
  ])('audio %#', (bytes, type) => {
    expect(recogniseAudio(bytes)?.mediaType).toBe(type);
  });

  it('images, and what is neither', () => {
    expect(recogniseImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))?.mediaType).toBe('image/png');
    expect(recogniseImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))?.mediaType).toBe('image/jpeg');
    expect(recogniseImage(Buffer.from('GIF89a..'))?.mediaType).toBe('image/gif');
    expect(recogniseImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))?.mediaType).toBe('image/webp');
    expect(recogniseImage(Buffer.from('<svg xmlns=...'))).toBeUndefined();
    expect(recogniseAudio(Buffer.from('<html>'))).toBeUndefined();
    expect(recogniseAudio(Buffer.alloc(0))).toBeUndefined();
  });
});
