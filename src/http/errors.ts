import type { ServerResponse } from 'node:http';
import { CodedError } from '../protocol/index.js';

/**
 * What a request can get wrong, or what the server cannot do: answered as
 * `{ error: { code, message } }` with the status, never by crashing the server.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The server could not start; `code` is stable (`ERR_ADDRESS_IN_USE`, `ERR_INSECURE_BIND`, …). */
export class ServerStartError extends CodedError {}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, error.headers);
}
