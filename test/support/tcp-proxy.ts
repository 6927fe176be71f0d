import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a database server, to simulate that server going away without
 * touching it (other test files share it): {@link cut} drops every proxied connection at once and refuses
 * new ones (reset on accept) until {@link restore} — what clients see when the server restarts.
 */
export class TcpProxy {
  /** Connections accepted and forwarded, and connections refused while cut. */
  accepted = 0;
  refused = 0;
  private readonly sockets = new Set<Socket>();
  private down = false;
  private server!: Server;

  private constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  static async start(host: string, port: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(host, port);
    proxy.server = createServer((client) => proxy.accept(client));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.sockets.size / 2;
  }

  /** Drops every connection (reset) and refuses new ones until {@link restore}. */
  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  /** Accepts connections again. */
  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.down) {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    this.accepted++;
    const upstream = connect(this.targetPort, this.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}
