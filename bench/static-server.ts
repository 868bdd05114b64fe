// The limit for bench/serve.ts: the same bytes as a static file from a plain node:http server, in a
// process of its own (as the real server is). Reads the file once; prints its URL on stdout.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const [file, contentType] = process.argv.slice(2);
if (!file || !contentType) throw new Error("usage: static-server.ts <file> <content-type>");
const body = readFileSync(file);
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": contentType, "content-length": body.length });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
