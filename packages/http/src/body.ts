import type { IncomingMessage } from 'node:http';
import { HttpProblem, ProblemType } from './problem.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `application/json` and any `application/*+json`, parameters ignored. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const essence = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || (essence.startsWith('application/') && essence.endsWith('+json'));
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

function tooLarge(limit: number): HttpProblem {
  // The rest of the body is not read: the connection closes after the answer.
  return new HttpProblem(413, {
    detail: `The request body exceeds ${limit} bytes.`,
    headers: { connection: 'close' },
  });
}

function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpProblem(400, { detail: 'The request body could not be read.', cause: error }));
    };
    const onClose = () => {
      cleanup();
      reject(new HttpProblem(400, { detail: 'The request body ended early.' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Reads a JSON body: `undefined` when the request has none, 415 for a non-JSON content type,
 * 413 past `limit` bytes, 400 for bytes that are not UTF-8 JSON.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  if (!isJsonMediaType(req.headers['content-type'])) {
    throw new HttpProblem(415, { detail: 'The request body must be application/json.' });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const raw = await readRaw(req, limit);
  try {
    return JSON.parse(utf8.decode(raw));
  } catch {
    throw new HttpProblem(400, {
      type: ProblemType.malformedJson,
      title: 'Malformed JSON',
      detail: 'The request body is not valid JSON.',
    });
  }
}
