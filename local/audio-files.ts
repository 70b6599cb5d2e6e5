/**
 * `GET /local/audio/<key>?expires=…&signature=…`: the local runtime's stand-in for S3 presigned URLs.
 * Serves a file of the local audio store (IONFLUX_HOME/audio) when its URL is signed by that store and
 * not expired; 403 otherwise (never saying which part was wrong), 404 when the file is gone.
 */
import fs from 'node:fs';
import type http from 'node:http';
import { LOCAL_AUDIO_ROUTE, LocalFileAudioStore } from '../shared/audio/local-file-audio-store';
import { audioStore } from '../shared/runtime/audio';

/** Answers the request when it is for a local audio file; false for every other path. */
export async function serveLocalAudio(method: string, url: URL, res: http.ServerResponse): Promise<boolean> {
  if (!url.pathname.startsWith(LOCAL_AUDIO_ROUTE)) return false;
  const deny = (status: number, code: string, message: string) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    deny(405, 'method_not_allowed', 'audio files are read with GET');
    return true;
  }
  const store = audioStore();
  if (!(store instanceof LocalFileAudioStore)) {
    deny(404, 'not_found', 'audio files are in S3 with this configuration (AWS_ENDPOINT_URL or IONFLUX_BACKEND=aws)');
    return true;
  }
  const key = decodeURIComponent(url.pathname.slice(LOCAL_AUDIO_ROUTE.length));
  const found = await store.open(key, { expires: url.searchParams.get('expires') ?? undefined, signature: url.searchParams.get('signature') ?? undefined });
  if ('refused' in found) {
    if (found.refused === 404) deny(404, 'not_found', 'no such audio file');
    else deny(403, 'forbidden', 'the URL is not valid (expired, altered, or not signed by this runtime)');
    return true;
  }
  res.writeHead(200, { 'content-type': found.contentType, 'content-length': String(found.bytes), 'cache-control': 'private, no-store' });
  if (method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(found.file);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
  return true;
}
