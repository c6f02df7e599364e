import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '@geofed/shared/log';

/** A route answers the request, or returns false to let the next one try. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** /healthz, /status and /metrics; socket.io answers its own path before these run. */
export function coreRoutes(status: () => unknown, registry: Registry): Route {
  return async (req, res, url) => {
    switch (url.pathname) {
      case '/healthz':
        sendJson(res, 200, { ok: true });
        return true;
      case '/status':
        sendJson(res, 200, status());
        return true;
      case '/metrics': {
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
        return true;
      }
      default:
        return false;
    }
  };
}

/** The HTTP request listener: routes in order, then 404; only GET and HEAD are served. */
export function requestHandler(routes: readonly Route[], log: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const handle = async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: `${req.method} is not allowed` });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://coordinator');
      for (const route of routes) if (await route(req, res, url)) return;
      sendJson(res, 404, { error: `nothing at ${url.pathname}` });
    };
    handle().catch((err: unknown) => {
      log.error({ err, url: req.url }, 'HTTP request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  };
}
