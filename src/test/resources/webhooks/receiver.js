// A webhook receiver for the tests: verifies every request with the official standardwebhooks library and answers
// per path. Usage: node receiver.js CONFIG.json — {"port", "standardwebhooks": dir, "secrets": {path: [whsec…]}}.
//   /ok     200                         /gone   410
//   /flaky  500, then 503 Retry-After: 1, then 200 (per webhook-id)
//   /rot    200 (verified with each secret alone: rotation)
//   /down   503 while mode is "down", 200 after 200 ms while "up"   (POST /ctl/mode/up|down)
//   /fast   200 at once, counted only (no verification, nothing kept): throughput
//   GET /ctl/records: every request seen (JSON array); GET /ctl/fast: the /fast count
"use strict";
const http = require("http");
const fs = require("fs");
const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { Webhook } = require(config.standardwebhooks);
const verifiers = {};
for (const [path, secrets] of Object.entries(config.secrets)) verifiers[path] = secrets.map((s) => new Webhook(s));
const records = [];
const attempts = new Map();
let mode = "down";
let fast = 0;

function verdicts(path, body, headers) {
  return (verifiers[path] || []).map((v) => {
    try {
      v.verify(body, headers);
      return true;
    } catch (e) {
      return false;
    }
  });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const path = req.url;
    if (path === "/fast") {
      fast++;
      res.writeHead(200).end();
      return;
    }
    if (path === "/ctl/records") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(records));
      return;
    }
    if (path === "/ctl/fast") {
      res.writeHead(200).end(String(fast));
      return;
    }
    if (path.startsWith("/ctl/mode/")) {
      mode = path.substring("/ctl/mode/".length);
      res.writeHead(200).end(mode);
      return;
    }
    const id = req.headers["webhook-id"];
    const n = (attempts.get(path + id) || 0) + 1;
    attempts.set(path + id, n);
    let status = 200;
    const extra = {};
    if (path === "/gone") status = 410;
    else if (path === "/flaky" && n === 1) status = 500;
    else if (path === "/flaky" && n === 2) {
      status = 503;
      extra["retry-after"] = "1";
    } else if (path === "/down" && mode !== "up") status = 503;
    const answer = () => {
      records.push({
        path, id, attempt: n, status,
        timestamp: req.headers["webhook-timestamp"],
        signature: req.headers["webhook-signature"],
        verified: verdicts(path, body, req.headers),
        body: body.toString("utf8"),
        httpVersion: req.httpVersion,
        remotePort: req.socket.remotePort,
      });
      res.writeHead(status, extra).end();
    };
    if (path === "/down" && mode === "up") setTimeout(answer, 200);
    else answer();
  });
});
server.keepAliveTimeout = 30000;
server.listen(config.port, "127.0.0.1", () => console.log("listening " + config.port));
