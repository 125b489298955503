// static.mjs — a tiny static file server for web/dist in tests and local use
// (test-only; a deployment serves web/dist from any static host).  Every
// answer carries the strict Content-Security-Policy the app must work under,
// with the API's origin allowed for images and connections, and a
// config.json written from the command line.
//
// usage: node static.mjs DIR PORT API_URL GITHUB_CLIENT_ID GITHUB_URL
// Prints "listening PORT" once it accepts connections.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

const [dir, port, apiUrl, clientId, githubUrl] = process.argv.slice(2);
const root = path.resolve(dir);
const api = new URL(apiUrl).origin;
const csp = `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: ${api}; connect-src 'self' ${api}`;
const config = JSON.stringify({ apiUrl, githubClientId: clientId, githubUrl });
const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon",
};

const server = http.createServer((req, res) => {
  const headers = { "Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache" };
  const { pathname } = new URL(req.url, "http://static");
  if (pathname === "/config.json") {
    res.writeHead(200, { ...headers, "Content-Type": types[".json"] });
    return res.end(config);
  }
  let file = path.join(root, path.normalize(decodeURIComponent(pathname)));
  if (!file.startsWith(root)) file = root;
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, "index.html");
  res.writeHead(200, { ...headers, "Content-Type": types[path.extname(file)] || "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
});
server.listen(Number(port), "127.0.0.1", () => console.log("listening " + server.address().port));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
