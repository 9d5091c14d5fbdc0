// `assay report <run> --serve`: a tiny loopback-only HTTP server for one report file.
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedReport {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves the report at `http://127.0.0.1:<port>/` (port 0 picks a free one). The file is read
 * on every request, so a report rewritten while served shows its newest version. Every other
 * path is 404: the server exposes this one file and nothing else on disk.
 */
export async function serveReport(path: string, port = 0): Promise<ServedReport> {
  try {
    await stat(path);
  } catch {
    throw new Error(`Cannot serve report: ${path} does not exist. Build it first (writeReport / \`assay report <run>\`).`);
  }
  const server = createServer((req, res) => {
    const urlPath = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (urlPath !== '/' && urlPath !== '/report.html') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: this server only serves the report at /\n');
      return;
    }
    readFile(path).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`Cannot read ${path}: ${err.message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Cannot serve report: port ${port} on 127.0.0.1 is in use; pass another port or 0 for any free one.`) : err),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    server,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
