/**
 * `GET /events`: Server-Sent Events for the web view. A client first gets `state` (the
 * `/state` document) and `history` (recent cluster events), then every cluster event as
 * `cluster`, and a new `state` whenever it changed (checked every `pollMs` while anyone listens).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObservedEvent } from '../observe/cluster-adapter.js';
import type { ClusterMonitor } from '../observe/monitor.js';

const KEEPALIVE_MS = 15_000;

export class LiveEvents {
  private readonly clients = new Set<ServerResponse>();
  private poll: ReturnType<typeof setInterval> | undefined;
  private keepalive: ReturnType<typeof setInterval> | undefined;
  private lastState = '';
  private polling = false;

  constructor(
    private readonly monitor: ClusterMonitor,
    private readonly state: () => Promise<unknown>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    monitor.on('event', this.onClusterEvent);
  }

  async open(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    req.on('close', () => this.drop(res));
    send(res, 'state', await this.state());
    send(res, 'history', this.monitor.recentEvents());
    this.poll ??= setInterval(() => void this.pushState(), this.pollMs);
    this.keepalive ??= setInterval(() => this.broadcast(': keepalive\n\n'), KEEPALIVE_MS);
  }

  close(): void {
    this.monitor.off('event', this.onClusterEvent);
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stopTimers();
  }

  private readonly onClusterEvent = (event: ObservedEvent) => {
    if (this.clients.size > 0) this.broadcast(frame('cluster', event));
  };

  private async pushState(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const text = JSON.stringify(await this.state());
      if (text !== this.lastState) {
        this.lastState = text;
        this.broadcast(`event: state\ndata: ${text}\n\n`);
      }
    } catch (error) {
      this.onError(error);
    } finally {
      this.polling = false;
    }
  }

  private broadcast(text: string): void {
    for (const res of this.clients) res.write(text);
  }

  private drop(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stopTimers();
  }

  private stopTimers(): void {
    clearInterval(this.poll);
    clearInterval(this.keepalive);
    this.poll = undefined;
    this.keepalive = undefined;
    this.lastState = '';
  }
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const send = (res: ServerResponse, event: string, data: unknown) => res.write(frame(event, data));
