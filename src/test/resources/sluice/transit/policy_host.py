#!/usr/bin/env python3
"""A test MTA-STS policy host: HTTPS (Python's ssl module) answering per Host header from a JSON spec file.

Usage: policy_host.py BIND_IP PORT CERT_CHAIN_PEM KEY_PEM SPEC_JSON LOG_FILE
The spec maps a host name to {"status": 200, "type": "text/plain", "body": "...", "location": "...", "delay": 0.0,
"no_length": false};
it is read again for every request, so a test can change answers while the host runs. Each request appends its host
name to LOG_FILE. Prints "ready" once listening.
"""
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

bind, port, cert, key, spec_file, log_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
log_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        with log_lock, open(log_file, "a") as log:
            log.write(host + " " + self.path + "\n")
        with open(spec_file) as f:
            spec = json.load(f).get(host)
        if spec is None or self.path != "/.well-known/mta-sts.txt":
            spec = {"status": 404, "body": "not found\n"}
        time.sleep(spec.get("delay", 0))
        body = spec.get("body", "").encode("utf-8")
        self.send_response(spec.get("status", 200))
        if spec.get("type", "text/plain") is not None:
            self.send_header("Content-Type", spec.get("type", "text/plain"))
        if "location" in spec:
            self.send_header("Location", spec["location"])
        if spec.get("no_length"):
            self.send_header("Connection", "close")  # the body ends when the connection does
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client stopped reading (e.g. a body over its limit)

    def log_message(self, fmt, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # refused handshakes are the point of some tests


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.minimum_version = ssl.TLSVersion.TLSv1_2
context.load_cert_chain(cert, key)
server = Server((bind, port), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
print("ready", flush=True)
server.serve_forever()
