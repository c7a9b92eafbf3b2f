#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""fake_otlp.py: a scripted OTLP/HTTP peer for tests/test_retry.c and
tests/test_spool.c.

Listens on 127.0.0.1 (an ephemeral port, written to PORTFILE) and answers
POST /v1/traces with the next scripted response, 200 with an empty body
when the script is empty. Control:
  POST /__script   body: one response per line, "STATUS[|Header: v|...][|body=HEX]"
                   (empties the log and the span names too)
  GET  /__log      one line per request: "time path ctype cenc len plen hdrs port host"
                   (plen: the protobuf length after gunzip, or -1; port: the
                   client's TCP port, which tells connections apart; host: the
                   Host header, which tells failover endpoints apart)
  POST /__mode     body "down": every export is answered 503 (and not
                   scripted) until "up"
  GET  /__spans    the names of the spans of every export answered 2xx,
                   one a line, in the order they arrived
Exits when its parent closes stdin.

TLS (tests/test_tls.c): `fake_otlp.py PORTFILE --tls CERT KEY [--client-ca CA]`
serves HTTPS with that certificate and key; with --client-ca, a client
must present a certificate signed by CA (mutual TLS), else the handshake
fails. /__log then has one more field: the client certificate's subject
CN, or "-".
"""
import gzip
import http.server
import sys
import threading
import time

script = []
log = []
spans = []
mode = {"down": False}


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    """(field, value) of a protobuf message; value: bytes or int."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        yield f, v


def span_names(req):
    """ExportTraceServiceRequest: resource_spans/scope_spans/spans/name."""
    out = []
    for f, rs in fields(req):
        for f2, ss in (fields(rs) if f == 1 else ()):
            for f3, sp in (fields(ss) if f2 == 2 else ()):
                for f4, v in (fields(sp) if f3 == 2 else ()):
                    if f4 == 5:
                        out.append(v.decode("utf-8", "replace"))
    return out
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
        if self.path not in ("/__log", "/__spans"):
            return self.reply(404)
        with lock:
            lines = log if self.path == "/__log" else spans
            body = "".join(line + "\n" for line in lines).encode()
        self.reply(200, [("Content-Type", "text/plain")], body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        if self.path == "/__script":
            with lock:
                script.clear()
                log.clear()
                spans.clear()
                script.extend(l for l in data.decode().splitlines() if l)
            return self.reply(204)
        if self.path == "/__mode":
            with lock:
                mode["down"] = data.strip() == b"down"
            return self.reply(204)
        ctype = self.headers.get("Content-Type", "-")
        cenc = self.headers.get("Content-Encoding", "-")
        plen = len(data)
        pb = data
        if cenc == "gzip":
            try:
                pb = gzip.decompress(data)
                plen = len(pb)
            except OSError:
                plen = -1
        hdrs = ",".join("%s=%s" % (k.lower(), v) for k, v in self.headers.items()
                        if k.lower().startswith("x-"))
        line = "%.3f %s %s %s %d %d %s %d %s" % (time.time(), self.path, ctype,
                                                 cenc, len(data), plen, hdrs or "-",
                                                 self.client_address[1],
                                                 self.headers.get("Host", "-"))
        if tls["on"]:
            line += " " + peer_cn(self.connection)
        with lock:
            log.append(line)
            if mode["down"]:
                spec = "503"
            else:
                spec = script.pop(0) if script else "200"
            if spec.startswith("2") and self.path == "/v1/traces":
                try:
                    spans.extend(span_names(pb))
                except (ValueError, IndexError):
                    spans.append("(undecodable)")
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


tls = {"on": False}


def peer_cn(conn):
    """The subject CN of the client's certificate, or "-"."""
    cert = conn.getpeercert() if hasattr(conn, "getpeercert") else None
    for rdn in (cert or {}).get("subject", ()):
        for k, v in rdn:
            if k == "commonName":
                return v
    return "-"


class TLSServer(http.server.ThreadingHTTPServer):
    """Handshakes in the request's thread; a failed one is not logged."""
    ctx = None

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True,
                                    do_handshake_on_connect=False), addr

    def finish_request(self, request, client_address):
        try:
            request.settimeout(10)
            request.do_handshake()
        except (OSError, ValueError):
            return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass


def server(argv):
    if "--tls" not in argv:
        return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    import ssl
    i = argv.index("--tls")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(argv[i + 1], argv[i + 2])
    if "--client-ca" in argv:
        ctx.load_verify_locations(argv[argv.index("--client-ca") + 1])
        ctx.verify_mode = ssl.CERT_REQUIRED
    TLSServer.ctx = ctx
    tls["on"] = True
    return TLSServer(("127.0.0.1", 0), Handler)


def main():
    srv = server(sys.argv)
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
