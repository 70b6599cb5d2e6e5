/**
 * Audio files: what the fakes make is real audio of the length they say; joining several answers gives
 * one file of the same format that plays their total length (within 50 ms); PCM becomes WAV; bytes that
 * are not the asked format are refused.
 */
import { joinAudio, measureAudio, pcmToWav } from '../../shared/audio/audio-files';
import { AudioFormatError } from '../../shared/audio/errors';
import type { OutputFormat } from '../../shared/audio/formats';
import { mp3, oggOpus, pcm, type Sample, wavSample } from '../fakes/audio/samples';

const makers: Record<string, { format: OutputFormat; make: (s: number) => Sample }> = {
  'mp3 (MPEG-1 44.1 kHz)': { format: 'mp3', make: (s) => mp3(s) },
  'mp3 (MPEG-2 24 kHz, Azure)': { format: 'mp3', make: (s) => mp3(s, '24000-48') },
  'ogg_opus (48 kHz)': { format: 'ogg_opus', make: (s) => oggOpus(s) },
  'ogg_opus (24 kHz input, Azure)': { format: 'ogg_opus', make: (s) => oggOpus(s, 24_000) },
  'wav (24 kHz)': { format: 'wav', make: (s) => wavSample(s) },
  'wav (22.05 kHz, Coqui)': { format: 'wav', make: (s) => wavSample(s, 22_050) },
};

describe.each(Object.entries(makers))('%s', (_name, { format, make }) => {
  it('measures a single file to within 50 ms of its length', async () => {
    for (const seconds of [0.3, 1.37, 7.9]) {
      const sample = make(seconds);
      const facts = await measureAudio(sample.bytes, format);
      expect(Math.abs(facts.durationSeconds - sample.seconds)).toBeLessThan(0.05);
    }
  });

  it('joins three parts into one file of the same format that plays their total length', async () => {
    const parts = [make(1.5), make(2.25), make(0.7)];
    const joined = await joinAudio(
      parts.map((p) => p.bytes),
      format,
    );
    const total = parts.reduce((n, p) => n + p.seconds, 0);
    const facts = await measureAudio(joined, format);
    expect(Math.abs(facts.durationSeconds - total)).toBeLessThan(0.05);
    if (format === 'ogg_opus') {
      // One logical stream (one serial number), not a chained file.
      const serials = new Set<number>();
      for (let i = joined.indexOf('OggS'); i >= 0; i = joined.indexOf('OggS', i + 4)) serials.add(joined.readUInt32LE(i + 14));
      expect(serials.size).toBe(1);
    }
  });
});

it('returns a single part as it is', async () => {
  const one = mp3(1).bytes;
  expect(await joinAudio([one], 'mp3')).toBe(one);
});

it('wraps raw PCM as WAV of the right length', async () => {
  const raw = pcm(2.5, 24_000);
  const file = await pcmToWav(raw.bytes, 24_000);
  expect(file.toString('latin1', 0, 4)).toBe('RIFF');
  expect((await measureAudio(file, 'wav')).durationSeconds).toBeCloseTo(raw.seconds, 3);
});

it('refuses bytes that are not audio of the asked format', async () => {
  await expect(measureAudio(mp3(1).bytes, 'ogg_opus')).rejects.toThrow(AudioFormatError);
  await expect(measureAudio(oggOpus(1).bytes, 'wav')).rejects.toThrow(AudioFormatError);
  await expect(measureAudio(Buffer.from('{"error":"not audio"}'), 'mp3')).rejects.toThrow(AudioFormatError);
  await expect(joinAudio([mp3(1).bytes, Buffer.from('garbage')], 'mp3')).rejects.toThrow(AudioFormatError);
});
