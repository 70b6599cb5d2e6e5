/**
 * The output formats the audio service offers and what each is on the wire. `ogg_opus` is what WhatsApp
 * plays as a voice note (audio/ogg with the Opus codec); `mp3` plays everywhere; `wav` is 16-bit PCM.
 */
export const OUTPUT_FORMATS = ['mp3', 'ogg_opus', 'wav'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface FormatSpec {
  contentType: string;
  extension: string;
}

export const formats: Record<OutputFormat, FormatSpec> = {
  mp3: { contentType: 'audio/mpeg', extension: 'mp3' },
  ogg_opus: { contentType: 'audio/ogg', extension: 'ogg' },
  wav: { contentType: 'audio/wav', extension: 'wav' },
};

export const DEFAULT_FORMAT: OutputFormat = 'mp3';
