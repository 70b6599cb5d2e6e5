/**
 * Real audio bytes of a known duration, made without any of the code under test: MP3 (silent MPEG
 * Layer III frames), Ogg Opus (Opus silence packets in Ogg pages with their CRCs) and WAV/PCM (a
 * quiet sine). The fake TTS providers answer with these; the tests measure what comes back.
 */
export interface Sample {
  bytes: Buffer;
  /** Exactly how long it plays. */
  seconds: number;
}

/** How long the fakes "speak" a text: 15 characters a second, at least 0.3 s. */
export const spokenSeconds = (text: string): number => Math.max(0.3, text.length / 15);

/**
 * `seconds` of silent MP3: MPEG-1 Layer III 44.1 kHz 128 kbps stereo (417-byte frames of 1152 samples),
 * or MPEG-2 Layer III 24 kHz 48 kbps mono (144-byte frames of 576 samples, Azure's
 * audio-24khz-48kbitrate-mono-mp3). Zero side information and main data decode as silence.
 */
export function mp3(seconds: number, kind: '44100-128' | '24000-48' = '44100-128'): Sample {
  const mpeg1 = kind === '44100-128';
  const [rate, perFrame, size, header] = mpeg1 ? [44_100, 1152, 417, [0xff, 0xfb, 0x90, 0x00]] : [24_000, 576, 144, [0xff, 0xf3, 0x64, 0xc0]];
  const frames = Math.max(1, Math.round((seconds * rate) / perFrame));
  const frame = Buffer.alloc(size);
  Buffer.from(header).copy(frame);
  return { bytes: Buffer.concat(Array.from({ length: frames }, () => frame)), seconds: (frames * perFrame) / rate };
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc >>> 0;
}

function oggPage(serial: number, sequence: number, granule: bigint, flags: number, packets: Buffer[]): Buffer {
  const lacing: number[] = [];
  for (const packet of packets) {
    let n = packet.length;
    while (n >= 255) {
      lacing.push(255);
      n -= 255;
    }
    lacing.push(n);
  }
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0, 'latin1');
  header[5] = flags;
  header.writeBigInt64LE(granule, 6);
  header.writeUInt32LE(serial, 14);
  header.writeUInt32LE(sequence, 18);
  header[26] = lacing.length;
  lacing.forEach((l, i) => (header[27 + i] = l));
  const page = Buffer.concat([header, ...packets]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/** `seconds` of Ogg Opus: 20 ms silence packets (TOC 0xF8 + 0xFF 0xFE), 312 samples of pre-skip. */
export function oggOpus(seconds: number, inputRate = 48_000, serial = 0x1a2b3c4d): Sample {
  const preSkip = 312;
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = 1;
  head.writeUInt16LE(preSkip, 10);
  head.writeUInt32LE(inputRate, 12);
  const vendor = 'fake';
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  tags.write(vendor, 12, 'latin1');
  const frames = Math.max(1, Math.round(seconds * 50));
  const silence = Buffer.from([0xf8, 0xff, 0xfe]);
  const pages = [oggPage(serial, 0, 0n, 0x02, [head]), oggPage(serial, 1, 0n, 0, [tags])];
  for (let done = 0, sequence = 2; done < frames; sequence++) {
    const n = Math.min(50, frames - done);
    done += n;
    pages.push(oggPage(serial, sequence, BigInt(preSkip + done * 960), done === frames ? 0x04 : 0, Array.from({ length: n }, () => silence)));
  }
  return { bytes: Buffer.concat(pages), seconds: frames * 0.02 };
}

/** A PCM16 mono WAV of `seconds` (a quiet sine), as a recorder would produce. */
export function wav(seconds: number, sampleRate = 16_000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / sampleRate) * 3000), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** `seconds` of 16-bit mono WAV. */
export function wavSample(seconds: number, rate = 24_000): Sample {
  const samples = Math.max(1, Math.round(seconds * rate));
  return { bytes: wav(samples / rate, rate), seconds: samples / rate };
}

/** `seconds` of headerless 16-bit mono PCM (ElevenLabs' pcm_<rate>). */
export function pcm(seconds: number, rate = 24_000): Sample {
  const { bytes, seconds: exact } = wavSample(seconds, rate);
  return { bytes: bytes.subarray(44), seconds: exact };
}
