import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";

/** A folder served over plain HTTP on 127.0.0.1, as a release page serves plugin archives; it notes every request. */
export interface FileServer {
  /** `http://127.0.0.1:PORT`, no trailing slash: what the engine's `--server` and `pluginDownloadURL` take. */
  url: string;
  /** Each request's method and path, in order, with its status. */
  requests: string[];
  stop(): Promise<void>;
}

/** Serves the files directly in `dir` (no sub-folders, nothing else). */
export async function serveFolder(dir: string): Promise<FileServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "/").split("?")[0]!.slice(1));
    const answer = (status: number) => requests.push(`${req.method} ${req.url} ${status}`);
    if (req.method !== "GET" || !/^[\w.-]+$/.test(name)) {
      answer(404);
      res.writeHead(404).end();
      return;
    }
    const file = join(dir, name);
    stat(file).then(
      (s) => {
        answer(200);
        res.writeHead(200, { "content-type": "application/gzip", "content-length": s.size });
        createReadStream(file).pipe(res);
      },
      () => {
        answer(404);
        res.writeHead(404).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("the file server has no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
