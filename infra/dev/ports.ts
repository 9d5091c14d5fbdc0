// Port checks happen before a server starts, so an occupied port is reported as such (with
// the variable that moves it) instead of as a server that never became healthy.
import net from 'node:net';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  if (!(await isPortFree(port))) {
    throw new PortInUseError(
      `Port ${port} on 127.0.0.1 (${what}) is already in use by another process. ` +
        `Stop that process, or choose another port with ${envVar}=<port> and run \`assay dev up\` again.`,
    );
  }
}

/** The first free port at or after `start`, for servers whose port nobody asked for. */
export async function findFreePort(start: number): Promise<number> {
  for (let port = start; port < start + 200; port++) if (await isPortFree(port)) return port;
  throw new PortInUseError(`No free port in ${start}..${start + 199} on 127.0.0.1.`);
}

export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
