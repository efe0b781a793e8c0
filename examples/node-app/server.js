// A small HTTP server: `/` answers $APP_GREETING, `/health` "ok", `/uptime` how long it has run
// (formatted by `ms`, its dependency from the npm registry), on $APP_PORT.
"use strict";

const http = require("http");
const ms = require("ms");

const started = Date.now();
const port = Number(process.env.APP_PORT || 3000);
const greeting = process.env.APP_GREETING || "Hello from node-app";

const server = http.createServer((request, response) => {
  const send = (status, body) => {
    response.writeHead(status, { "Content-Type": "text/plain" });
    response.end(body + "\n");
  };
  switch (request.url) {
    case "/":
      return send(200, greeting);
    case "/health":
      return send(200, "ok");
    case "/uptime":
      return send(200, ms(Math.max(Date.now() - started, 1)));
    default:
      return send(404, "not found");
  }
});

server.listen(port, () => console.log(`listening on ${port}`));
// PID 1 gets no default signal handlers: stop at once on `docker stop`.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
