/**
 * Audio files as bytes: several provider answers joined into one file of the same format, raw PCM
 * wrapped as WAV, and the duration measured from the audio itself — never estimated from the text.
 *
 * Joining copies the encoded packets (MP3 frames, Opus packets, PCM) into one new container with
 * mediabunny, without decoding or re-encoding: an Ogg Opus file gets one stream with continuous granule
 * positions (what WhatsApp and browsers play; a plain concatenation would be a chained Ogg file), an MP3
 * gets a Xing header with the total frame count, a WAV one data chunk. The duration is read with
 * music-metadata (frame-accurate for MP3, the last granule position for Ogg Opus, the data size for
 * WAV). Both libraries are loaded on first use, like the providers' SDKs.
 */
import type * as Mediabunny from 'mediabunny';
import type * as MusicMetadata from 'music-metadata';
import { AudioFormatError } from './errors';
import { formats, type OutputFormat } from './formats';

let mediabunnyModule: typeof Mediabunny | undefined;
let musicMetadataModule: typeof MusicMetadata | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mediabunny = () => (mediabunnyModule ??= require('mediabunny') as typeof Mediabunny);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const musicMetadata = () => (musicMetadataModule ??= require('music-metadata') as typeof MusicMetadata);

const CONTAINER: Record<OutputFormat, string> = { mp3: 'MPEG', ogg_opus: 'Ogg', wav: 'WAVE' };

export interface AudioFacts {
  durationSeconds: number;
  container: string;
  codec?: string;
  sampleRate?: number;
}

/** What the bytes are and how long they play. Throws AudioFormatError when they are not audio of `format`. */
export async function measureAudio(bytes: Buffer, format: OutputFormat): Promise<AudioFacts> {
  let parsed: MusicMetadata.IAudioMetadata;
  try {
    parsed = await musicMetadata().parseBuffer(bytes, { mimeType: formats[format].contentType, size: bytes.length }, { duration: true, skipCovers: true });
  } catch (error) {
    throw new AudioFormatError(`not readable as ${format}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const { container, codec, duration, sampleRate } = parsed.format;
  const wanted = CONTAINER[format];
  if (!container?.startsWith(wanted) || (format === 'ogg_opus' && codec !== 'Opus')) {
    throw new AudioFormatError(`expected ${format} audio, got ${[container, codec].filter(Boolean).join('/') || 'something else'}`);
  }
  if (duration === undefined || !Number.isFinite(duration) || duration < 0) throw new AudioFormatError(`the ${format} audio has no readable duration`);
  return { durationSeconds: duration, container, ...(codec ? { codec } : {}), ...(sampleRate ? { sampleRate } : {}) };
}

const outputFormat = (format: OutputFormat): Mediabunny.OutputFormat => {
  const mb = mediabunny();
  return format === 'mp3' ? new mb.Mp3OutputFormat() : format === 'ogg_opus' ? new mb.OggOutputFormat() : new mb.WavOutputFormat();
};

/** One file from several of the same format and codec, played back to back. */
export async function joinAudio(chunks: Buffer[], format: OutputFormat): Promise<Buffer> {
  if (chunks.length === 1) return chunks[0]!;
  if (chunks.length === 0) throw new AudioFormatError('nothing to join');
  const mb = mediabunny();
  const target = new mb.BufferTarget();
  const output = new mb.Output({ format: outputFormat(format), target });
  let source: Mediabunny.EncodedAudioPacketSource | undefined;
  let offset = 0;
  try {
    for (const [index, chunk] of chunks.entries()) {
      const input = new mb.Input({ source: new mb.BufferSource(chunk), formats: mb.ALL_FORMATS });
      const track = await input.getPrimaryAudioTrack();
      const codec = await track?.getCodec();
      const config = await track?.getDecoderConfig();
      if (!track || !codec || !config) throw new AudioFormatError(`part ${index + 1} of ${chunks.length} has no readable ${format} audio track`);
      if (!source) {
        source = new mb.EncodedAudioPacketSource(codec);
        output.addAudioTrack(source);
        await output.start();
      }
      let end = offset;
      let first = true;
      for await (const packet of new mb.EncodedPacketSink(track).packets()) {
        await source.add(packet.clone({ timestamp: offset + packet.timestamp }), first && index === 0 ? { decoderConfig: config } : undefined);
        first = false;
        end = Math.max(end, offset + packet.timestamp + packet.duration);
      }
      offset = end;
      input.dispose();
    }
    await output.finalize();
  } catch (error) {
    if (error instanceof AudioFormatError) throw error;
    throw new AudioFormatError(`the ${format} parts could not be joined: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return Buffer.from(target.buffer!);
}

/** Raw 16-bit little-endian PCM (what ElevenLabs answers for `pcm_<rate>`) as a WAV file. */
export async function pcmToWav(pcm: Buffer, sampleRate: number, channels = 1): Promise<Buffer> {
  const mb = mediabunny();
  const target = new mb.BufferTarget();
  const output = new mb.Output({ format: new mb.WavOutputFormat(), target });
  const source = new mb.EncodedAudioPacketSource('pcm-s16');
  output.addAudioTrack(source);
  await output.start();
  const frames = Math.floor(pcm.length / (2 * channels));
  await source.add(new mb.EncodedPacket(pcm.subarray(0, frames * 2 * channels), 'key', 0, frames / sampleRate), {
    decoderConfig: { codec: 'pcm-s16', sampleRate, numberOfChannels: channels },
  });
  await output.finalize();
  return Buffer.from(target.buffer!);
}
