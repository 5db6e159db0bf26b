/**
 * The cluster's HTTP API and web view, on node:http: five read-only GET routes need no
 * framework (routing is one table lookup, and every response is JSON, text or a stream).
 */
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { LocalCluster } from '../index.js';
import { ClusterMonitor } from '../observe/monitor.js';
import { VERSION } from '../observe/version.js';
import { checkBind, requireToken } from './auth.js';
import { HttpError, ServerStartError, sendError, sendJson } from './errors.js';
import { LiveEvents } from './live-events.js';
import { ClusterMetrics } from './metrics.js';
import { stateJson } from './state-json.js';

export interface ServeOptions {
  /** Default 127.0.0.1. Any other address needs `authToken`. */
  readonly host?: string;
  /** Default 5050 (Mesos's master port); 0 picks a free one (see `url`). */
  readonly port?: number;
  /** Every request must then carry `Authorization: Bearer <authToken>`. */
  readonly authToken?: string;
  /** Requests that fail on the server's side are logged here. */
  readonly logger?: Logger;
  /** How often `/events` checks the state for changes while a client listens. Default 500 ms. */
  readonly pollMs?: number;
}

export interface ClusterServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  readonly monitor: ClusterMonitor;
  close(): Promise<void>;
}

interface Route {
  /** Query parameters the route takes, each with its check; any other is a 400. */
  readonly query: Readonly<Record<string, (value: string) => boolean>>;
  handle(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void>;
}

const PAGE = new URL('../../../src/http/web/index.html', import.meta.url);
const MASTER_TIMEOUT_MS = 2_000;

function parseQuery(url: URL, route: Route): URLSearchParams {
  for (const [key, value] of url.searchParams) {
    const check = route.query[key];
    if (check === undefined) {
      const known = Object.keys(route.query);
      throw new HttpError(400, 'ERR_BAD_QUERY', `unknown query parameter "${key}" for ${url.pathname}${known.length > 0 ? ` (known: ${known.join(', ')})` : ' (it takes none)'}`);
    }
    if (!check(value)) throw new HttpError(400, 'ERR_BAD_QUERY', `bad value for query parameter "${key}": "${value}"`);
  }
  return url.searchParams;
}

/** The master did not answer: the server is up, the cluster is not. */
const masterUnavailable = (error: unknown) =>
  new HttpError(503, 'ERR_MASTER_UNAVAILABLE', `the master did not answer: ${error instanceof Error ? error.message : String(error)}`);

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (error.code === 'EADDRINUSE') reject(new ServerStartError('ERR_ADDRESS_IN_USE', `port ${port} on ${host} is already in use; choose another with --port (0: any free port)`, { cause: error }));
      else if (error.code === 'EADDRNOTAVAIL') reject(new ServerStartError('ERR_ADDRESS_NOT_AVAILABLE', `${host} is not an address of this machine`, { cause: error }));
      else if (error.code === 'EACCES') reject(new ServerStartError('ERR_ADDRESS_FORBIDDEN', `not allowed to listen on ${where} (ports below 1024 need privileges)`, { cause: error }));
      else if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') reject(new ServerStartError('ERR_ADDRESS_NOT_AVAILABLE', `cannot resolve host "${host}"`, { cause: error }));
      else reject(new ServerStartError('ERR_LISTEN', `cannot listen on ${where}: ${error.message}`, { cause: error }));
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Serves the cluster's HTTP API and web view until `close()`. Rejects with a `ServerStartError` if it cannot listen. */
export async function serveCluster(cluster: LocalCluster, options: ServeOptions = {}): Promise<ClusterServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.authToken;
  checkBind(host, token);
  const monitor = new ClusterMonitor(cluster);
  const metrics = new ClusterMetrics(monitor);
  const page = readFileSync(PAGE);

  const withTimeout = <T>(work: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${MASTER_TIMEOUT_MS} ms`)), MASTER_TIMEOUT_MS);
      work.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  const state = async (frameworkId?: string) => {
    const snapshot = await withTimeout(monitor.snapshot()).catch((error: unknown) => {
      throw masterUnavailable(error);
    });
    return stateJson(snapshot, { version: VERSION, startTime: monitor.startedAt, hostname: hostname(), masterPid: cluster.master.address, statusOf: (id) => monitor.agentStatus(id), ...(frameworkId === undefined ? {} : { frameworkId }) });
  };
  const live = new LiveEvents(monitor, () => state(), options.pollMs ?? 500, (error) => options.logger?.warn({ err: error }, 'live view could not read the state'));

  const routes: Record<string, Route> = {
    '/': {
      query: {},
      handle: async (_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        });
        res.end(page);
      },
    },
    '/health': {
      query: {},
      handle: async (_req, res) => {
        const view = await state().catch(() => undefined);
        if (view === undefined) {
          sendJson(res, 503, { status: 'down', master: { status: 'unavailable', pid: cluster.master.address }, agents: [] });
          return;
        }
        const agents = view.slaves.map((s) => ({ id: s.id, host_id: s.host_id, status: s.status }));
        sendJson(res, 200, { status: agents.every((a) => a.status === 'active') ? 'ok' : 'degraded', version: VERSION, master: { status: 'up', pid: view.pid }, agents });
      },
    },
    '/state': {
      query: { framework_id: (v) => v.length > 0 },
      handle: async (_req, res, query) => sendJson(res, 200, await state(query.get('framework_id') ?? undefined)),
    },
    '/metrics': {
      query: {},
      handle: async (_req, res) => {
        const text = await withTimeout(metrics.render()).catch((error: unknown) => {
          throw masterUnavailable(error);
        });
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
    },
    '/events': { query: {}, handle: (req, res) => live.open(req, res) },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (token !== undefined) requireToken(req, token);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes[url.pathname];
    if (route === undefined) throw new HttpError(404, 'ERR_NOT_FOUND', `no route ${url.pathname} (routes: ${Object.keys(routes).join(', ')})`);
    if (req.method !== 'GET') throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', `${url.pathname} answers GET only, not ${req.method}`, { allow: 'GET' });
    await route.handle(req, res, parseQuery(url, route));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof HttpError) {
        sendError(res, error);
        return;
      }
      options.logger?.error({ err: error, url: req.url }, 'HTTP request failed');
      sendError(res, new HttpError(500, 'ERR_INTERNAL', error instanceof Error ? error.message : String(error)));
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  let port: number;
  try {
    port = await listen(server, host, options.port ?? 5050);
  } catch (error) {
    monitor.close();
    throw error;
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    monitor,
    close: async () => {
      live.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      monitor.close();
    },
  };
}
