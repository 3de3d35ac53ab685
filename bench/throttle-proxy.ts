import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

/** A TCP proxy on loopback. */
export interface ThrottleProxy {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  stop(): Promise<void>;
}

/**
 * A TCP proxy that passes requests through as they come and paces responses to `bytesPerSecond` per
 * connection, like a WAN link between ORDS and the copy function.
 */
export async function startThrottleProxy(
  target: { host: string; port: number },
  bytesPerSecond: number,
): Promise<ThrottleProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(new Pace(bytesPerSecond)).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Longest lag of the link behind its schedule that it still makes up for. */
const IDLE_MS = 50;

/** Lets each chunk through once the link would have carried the bytes before it. */
class Pace extends Transform {
  #due = 0;

  constructor(private readonly bytesPerSecond: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const now = performance.now();
    // A late timer is made up for; a pause longer than IDLE_MS (no request) earns no burst.
    const start = this.#due < now - IDLE_MS ? now : this.#due;
    this.#due = start + (chunk.length / this.bytesPerSecond) * 1000;
    const wait = this.#due - now;
    if (wait < 1) {
      callback(null, chunk);
      return;
    }
    setTimeout(() => callback(null, chunk), wait);
  }
}
