import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";

/** Client connection preface of HTTP/2 with prior knowledge (RFC 9113 §3.4). */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** A connection that says nothing for this long is dropped before a protocol is chosen. */
const SNIFF_TIMEOUT_MS = 10_000;

export type RequestHandler = (
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface DualProtocolServerOptions {
  host: string;
  port: number;
  /** Serves requests of both protocols (a `connectNodeAdapter` handler fits). */
  handler: RequestHandler;
}

export interface DualProtocolServer {
  readonly host: string;
  readonly port: number;
  /** Destroys every open connection now; clients see a reset and reconnect on their next call. */
  dropConnections(): void;
  /** Resets the next `count` incoming connections as soon as they are accepted. */
  resetNextConnections(count: number): void;
  /** Stops listening and destroys open connections (the SDK keeps its HTTP/2 session alive). */
  close(): Promise<void>;
}

/**
 * One loopback port for gRPC over cleartext HTTP/2 and for HTTP/1.1. Node's `allowHTTP1` only works
 * with TLS (ALPN), so a front `net.Server` reads the first bytes and hands the socket over.
 */
export async function listenDualProtocol(options: DualProtocolServerOptions): Promise<DualProtocolServer> {
  const http1Server = http.createServer(options.handler as http.RequestListener);
  const http2Server = http2.createServer(
    options.handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  // Errors on connections we reset or drop are expected; without listeners they would crash.
  http1Server.on("clientError", (_error, socket) => socket.destroy());
  http2Server.on("sessionError", () => {});

  const sockets = new Set<net.Socket>();
  let resetBudget = 0;

  const front = net.createServer((socket) => {
    socket.on("error", () => {});
    if (resetBudget > 0) {
      resetBudget -= 1;
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    sniffProtocol(socket, (isHttp2) => (isHttp2 ? http2Server : http1Server).emit("connection", socket));
  });

  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(options.port, options.host, () => {
      front.off("error", reject);
      resolve();
    });
  });
  const address = front.address() as net.AddressInfo;

  return {
    host: options.host,
    port: address.port,
    dropConnections() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    resetNextConnections(count) {
      resetBudget = Math.max(0, count);
    },
    close() {
      return new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      });
    },
  };
}

/**
 * Buffers until the bytes either match the whole HTTP/2 preface or diverge from it, then puts them
 * back on the socket and reports the protocol. A socket that ends or idles first is dropped.
 */
function sniffProtocol(socket: net.Socket, decide: (isHttp2: boolean) => void): void {
  let buffered = Buffer.alloc(0);

  const cleanup = (): void => {
    socket.off("readable", onReadable);
    socket.off("end", onEnd);
    socket.setTimeout(0);
    socket.off("timeout", onTimeout);
  };
  const onEnd = (): void => {
    cleanup();
    socket.destroy();
  };
  const onTimeout = onEnd;
  function onReadable(): void {
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
      buffered = Buffer.concat([buffered, chunk]);
    }
    const compared = Math.min(buffered.length, HTTP2_PREFACE.length);
    const matchesSoFar = buffered.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
    if (matchesSoFar && buffered.length < HTTP2_PREFACE.length) return;
    cleanup();
    socket.unshift(buffered);
    decide(matchesSoFar);
  }

  socket.on("readable", onReadable);
  socket.on("end", onEnd);
  socket.setTimeout(SNIFF_TIMEOUT_MS);
  socket.on("timeout", onTimeout);
}
