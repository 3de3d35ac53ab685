import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP proxy in front of ORDS that can play an outage: first it answers every request with 503
 * (a database restarting, a pool exhausted), then it stops listening, so connections are refused
 * (ORDS itself down), then it passes requests through again. The local runner puts it between the
 * functions and ORDS for `ordsOutage`, to show that a run rides such an outage out.
 */
export interface OutageProxy {
  /** The proxy's origin, `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Requests answered 503 so far (refused connections never reach the proxy to be counted). */
  readonly faults: { unavailable: number };
  /** Starts an outage: `unavailableMs` of 503s, then `refusedMs` of refused connections. */
  outage(unavailableMs: number, refusedMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1, forwarding to `target` (an origin, `http://host:port`). */
export async function startOutageProxy(target: string): Promise<OutageProxy> {
  const upstream = new URL(target);
  const faults = { unavailable: 0 };
  let unavailableUntil = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (Date.now() < unavailableUntil) {
      faults.unavailable++;
      req.resume();
      res
        .writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '5' })
        .end('{"code":"ServiceUnavailable","message":"The database is not available (outage)"}');
      return;
    }
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const listen = async () => {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
  };
  const closeAll = async () => {
    const closed = once(server, 'close');
    server.close();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    origin: `http://127.0.0.1:${port}`,
    faults,
    async outage(unavailableMs, refusedMs) {
      unavailableUntil = Date.now() + unavailableMs;
      await new Promise((resolve) => setTimeout(resolve, unavailableMs));
      await closeAll();
      await new Promise((resolve) => setTimeout(resolve, refusedMs));
      await listen();
    },
    async stop() {
      unavailableUntil = 0;
      if (server.listening) await closeAll();
    },
  };
}
