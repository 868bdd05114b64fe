// The limit for bench/serve.ts: the same bytes as a static file from a plain node:http server, in a
// process of its own (as the real server is). Reads the file once; prints its URL on stdout.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";

const [file, contentType, encoding] = process.argv.slice(2);
if (!file || !contentType) throw new Error("usage: static-server.ts <file> <content-type> [gzip]");
// gzip: the file compressed once, as a static server with precompressed files would serve it.
const body = encoding === "gzip" ? gzipSync(readFileSync(file)) : readFileSync(file);
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": contentType, "content-length": body.length, ...(encoding === "gzip" ? { "content-encoding": "gzip" } : {}) });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
