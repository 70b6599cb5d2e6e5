/**
 * What a fetched file really is, from its first bytes (a declared content-type can lie): the audio
 * formats OpenAI's transcription endpoint takes and the image formats both OpenAI and Anthropic take.
 */
export interface Recognised {
  mediaType: string;
  extension: string;
}

const ascii = (bytes: Buffer, start: number, text: string) => bytes.length >= start + text.length && bytes.toString('latin1', start, start + text.length) === text;

export function recogniseImage(bytes: Buffer): Recognised | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { mediaType: 'image/png', extension: 'png' };
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { mediaType: 'image/jpeg', extension: 'jpg' };
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return { mediaType: 'image/gif', extension: 'gif' };
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return { mediaType: 'image/webp', extension: 'webp' };
  return undefined;
}

export function recogniseAudio(bytes: Buffer): Recognised | undefined {
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE')) return { mediaType: 'audio/wav', extension: 'wav' };
  if (ascii(bytes, 0, 'fLaC')) return { mediaType: 'audio/flac', extension: 'flac' };
  if (ascii(bytes, 0, 'OggS')) return { mediaType: 'audio/ogg', extension: 'ogg' };
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x1a45dfa3) return { mediaType: 'audio/webm', extension: 'webm' };
  if (ascii(bytes, 4, 'ftyp')) {
    const brand = bytes.toString('latin1', 8, 12);
    return brand.startsWith('M4A') || brand.startsWith('M4B') ? { mediaType: 'audio/mp4', extension: 'm4a' } : { mediaType: 'video/mp4', extension: 'mp4' };
  }
  if (ascii(bytes, 0, 'ID3')) return { mediaType: 'audio/mpeg', extension: 'mp3' };
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) return { mediaType: 'audio/mpeg', extension: 'mp3' };
  return undefined;
}

/** Declared content types we accept for each kind (before looking at the bytes). */
export function declaredTypeAllowed(kind: 'audio' | 'image', contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === '' || type === 'application/octet-stream' || type === 'binary/octet-stream') return true;
  if (kind === 'image') return type.startsWith('image/');
  return type.startsWith('audio/') || type === 'video/mp4' || type === 'video/webm' || type === 'application/ogg';
}
