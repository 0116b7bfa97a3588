import { createServer, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP proxy on loopback in front of a MongoDB server that can lose one reply: armed with
 * `loseReplyTo('insert', 'orders')`, it forwards the next such command to the server, then
 * drops the server's answer and closes that connection. The write happened; the client only
 * sees a connection lost mid-write, as when the server or the network goes away at that moment.
 */
export interface ReplyCutProxy {
  /** The server's URL with the proxy's host and port instead. */
  url: string;
  /** Resolves once the reply to the next `command` on `collection` was lost. */
  loseReplyTo(command: string, collection: string): Promise<void>;
  close(): Promise<void>;
}

/** How a command on a collection starts in an OP_MSG body: the BSON string element `{ <command>: <collection> }`. */
function commandBytes(command: string, collection: string): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32LE(Buffer.byteLength(collection) + 1);
  return Buffer.concat([
    Buffer.from([0x02]),
    Buffer.from(`${command}\0`),
    length,
    Buffer.from(`${collection}\0`),
  ]);
}

export async function startReplyCutProxy(serverUrl: string): Promise<ReplyCutProxy> {
  const target = new URL(serverUrl);
  const sockets = new Set<Socket>();
  let armed: { pattern: Buffer; lost: () => void } | undefined;

  const server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let tail = Buffer.alloc(0);
    let doomed: (() => void) | undefined;
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (armed !== undefined) {
        // A command may straddle two chunks: look at the end of the previous one too.
        const seen = Buffer.concat([tail, chunk]);
        if (seen.includes(armed.pattern)) {
          doomed = armed.lost;
          armed = undefined;
        }
        tail = seen.subarray(Math.max(0, seen.length - 64));
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (doomed === undefined) {
        client.write(chunk);
        return;
      }
      // One command at a time on a connection: this is the answer to the doomed one.
      const lost = doomed;
      doomed = undefined;
      drop();
      lost();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    loseReplyTo: (command, collection) =>
      new Promise<void>((resolve) => {
        armed = { pattern: commandBytes(command, collection), lost: resolve };
      }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
