#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""fake_otlp.py: a scripted OTLP/HTTP peer for tests/test_retry.c.

Listens on 127.0.0.1 (an ephemeral port, written to PORTFILE) and answers
POST /v1/traces with the next scripted response, 200 with an empty body
when the script is empty. Control:
  POST /__script   body: one response per line, "STATUS[|Header: v|...][|body=HEX]"
  GET  /__log      one line per request: "time path ctype cenc len plen hdrs port host"
                   (plen: the protobuf length after gunzip, or -1; port: the
                   client's TCP port, which tells connections apart; host: the
                   Host header, which tells failover endpoints apart)
Exits when its parent closes stdin.
"""
import gzip
import http.server
import sys
import threading
import time

script = []
log = []
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, headers=(), body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/__log":
            return self.reply(404)
        with lock:
            body = "".join(line + "\n" for line in log).encode()
        self.reply(200, [("Content-Type", "text/plain")], body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        if self.path == "/__script":
            with lock:
                script.clear()
                log.clear()
                script.extend(l for l in data.decode().splitlines() if l)
            return self.reply(204)
        ctype = self.headers.get("Content-Type", "-")
        cenc = self.headers.get("Content-Encoding", "-")
        plen = len(data)
        if cenc == "gzip":
            try:
                plen = len(gzip.decompress(data))
            except OSError:
                plen = -1
        hdrs = ",".join("%s=%s" % (k.lower(), v) for k, v in self.headers.items()
                        if k.lower().startswith("x-"))
        with lock:
            log.append("%.3f %s %s %s %d %d %s %d %s" % (time.time(), self.path, ctype,
                                                         cenc, len(data), plen, hdrs or "-",
                                                         self.client_address[1],
                                                         self.headers.get("Host", "-")))
            spec = script.pop(0) if script else "200"
        parts = spec.split("|")
        status = int(parts[0])
        headers = []
        body = b""
        for p in parts[1:]:
            if p.startswith("body="):
                body = bytes.fromhex(p[5:])
                headers.append(("Content-Type", "application/x-protobuf"))
            else:
                k, v = p.split(":", 1)
                headers.append((k.strip(), v.strip()))
        self.reply(status, headers, body)


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    sys.stdin.read()
    srv.shutdown()


if __name__ == "__main__":
    main()
