import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { HttpError, ServerStartError } from './errors.js';

/** 127.0.0.0/8, ::1 and `localhost`: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** A server reachable from other machines must require a token: refused before it listens. */
export function checkBind(host: string, authToken: string | undefined): void {
  if (!isLoopback(host) && (authToken === undefined || authToken === '')) {
    throw new ServerStartError('ERR_INSECURE_BIND', `refusing to listen on ${host} without an auth token: anything that can reach it could read the cluster's state; give --auth-token (or bind to 127.0.0.1)`);
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Rejects a request that does not carry `Authorization: Bearer <token>` (compared in constant time). */
export function requireToken(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/.exec(header);
  if (match === null || !timingSafeEqual(digest(match[1]!), digest(token))) {
    throw new HttpError(401, 'ERR_UNAUTHORIZED', 'this server requires an Authorization: Bearer <token> header', { 'www-authenticate': 'Bearer' });
  }
}
