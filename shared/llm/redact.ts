/**
 * Provider error messages go back to the caller and into the logs, and some providers echo (part of) the
 * key they were sent ("Incorrect API key provided: sk-abc…xyz"). Everything key-like is removed first.
 */
const KEY_LIKE = [
  /\b(sk|pk|rk)-[A-Za-z0-9_*\-]{4,}/g, // OpenAI / Anthropic (sk-ant-…) / DeepSeek style keys, masked or not
  /\bBearer\s+[A-Za-z0-9_\-.=:+/]{8,}/gi,
  /\b(api[_-]?key|x-api-key|authorization)(["']?\s*[:=]\s*["']?)(?!Bearer\s|\[redacted\])[^\s"',}]{6,}/gi,
];

export function redactSecrets(text: string, secrets: Array<string | undefined> = [], maxLength = 500): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join('[redacted]');
  }
  out = out
    .replace(KEY_LIKE[0]!, (_m, prefix: string) => `${prefix}-[redacted]`)
    .replace(KEY_LIKE[1]!, 'Bearer [redacted]')
    .replace(KEY_LIKE[2]!, (_m, name: string, sep: string) => `${name}${sep}[redacted]`);
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out;
}
