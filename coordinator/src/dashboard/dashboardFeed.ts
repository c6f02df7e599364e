import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { sendJson, type Route } from '../server/http.ts';
import type { DashboardState } from './dashboardState.ts';

/** The static page (plain HTML, CSS and a script drawing SVG): no build step. */
const PAGE_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

/** How often the state is looked at; a change (a round, a heartbeat, a client joining) is pushed at the next look. */
const LOOK_EVERY_MS = 1000;
/** A comment line now and then keeps proxies from closing an idle event stream. */
const KEEPALIVE_EVERY_MS = 15_000;

export interface DashboardOptions {
  /** When set, the state and the event stream need `?token=` (or `Authorization: Bearer`) with this value. */
  readonly token?: string | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The live dashboard's server side: the page's files, its state as JSON (/dashboard/state) and a server-sent event
 * stream (/dashboard/events) that pushes the whole state whenever it changed. Read-only: nothing here changes the
 * run. The page's files hold no run data, so only the state and the stream are behind the operator token.
 */
export class DashboardFeed {
  private readonly streams = new Set<ServerResponse>();
  private last = '';
  private readonly ticker: ReturnType<typeof setInterval>;
  private readonly keepalive: ReturnType<typeof setInterval>;

  constructor(
    private readonly state: () => DashboardState,
    private readonly options: DashboardOptions = {},
  ) {
    this.ticker = setInterval(() => this.push(), LOOK_EVERY_MS);
    this.ticker.unref();
    this.keepalive = setInterval(() => {
      for (const s of this.streams) s.write(': keepalive\n\n');
    }, KEEPALIVE_EVERY_MS);
    this.keepalive.unref();
  }

  /** Sends the state to every open stream if it changed since the last push. */
  push(): void {
    if (this.streams.size === 0) return;
    const text = JSON.stringify(this.state());
    if (text === this.last) return;
    this.last = text;
    for (const s of this.streams) s.write(`data: ${text}\n\n`);
  }

  private allowed(header: string | undefined, url: URL): boolean {
    const expected = this.options.token;
    if (expected === undefined) return true;
    const given = url.searchParams.get('token') ?? header?.replace(/^Bearer\s+/i, '') ?? '';
    return timingSafeEqual(digest(given), digest(expected));
  }

  route(): Route {
    return (req, res, url) => {
      const asset = ASSETS[url.pathname];
      if (asset !== undefined) {
        res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
        res.end(readFileSync(PAGE_DIR + asset.file));
        return true;
      }
      if (url.pathname !== '/dashboard/state' && url.pathname !== '/dashboard/events') return false;
      if (!this.allowed(req.headers.authorization, url)) {
        sendJson(res, 401, { error: 'the dashboard needs the operator token: open the page as /?token=<token>' });
        return true;
      }
      if (url.pathname === '/dashboard/state') {
        sendJson(res, 200, this.state());
        return true;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`data: ${JSON.stringify(this.state())}\n\n`);
      this.streams.add(res);
      req.once('close', () => this.streams.delete(res));
      return true;
    };
  }

  /** Ends the open streams (the page reconnects to whatever serves the port next). */
  close(): void {
    clearInterval(this.ticker);
    clearInterval(this.keepalive);
    for (const s of this.streams) s.end();
    this.streams.clear();
  }
}
