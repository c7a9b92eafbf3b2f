#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otlp_sink.py: a fake OTLP/HTTP receiver for the examples (run.sh).

usage: otlp_sink.py [PORTFILE]

Listens on 127.0.0.1, on an ephemeral port that it writes to PORTFILE (or
prints), HTTP/1.1 with keep-alive, so that a client's connection reuse is
visible. It answers:
  POST /v1/traces  200, empty body; the ExportTraceServiceRequest (gzip or
                   not) is decoded by walking the protobuf wire format by
                   hand, and logged with the client's TCP port
  GET|POST /__echo 200; logs the traceparent and baggage headers received
  GET  /__log      the log as JSON: one object per request, in order:
                   {"path", "peer_port", "spans": [{"name", "trace_id",
                   "span_id", "parent_span_id", "attributes", "events"}]}
                   or {"path", "peer_port", "traceparent", "baggage"};
                   ids in lowercase hex, "" when absent
  POST /__reset    204; empties the log
"""
import gzip
import http.server
import json
import os
import sys
import threading

log = []
lock = threading.Lock()


def varint(buf, i):
    shift = value = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def fields(buf):
    """Yields (field number, value) of one message; LEN values as bytes."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wtype = key >> 3, key & 7
        if wtype == 0:
            value, i = varint(buf, i)
        elif wtype == 1:
            value, i = buf[i:i + 8], i + 8
        elif wtype == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wtype == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wtype)
        if i > len(buf):
            raise ValueError("truncated field %d" % num)
        yield num, value


def decode_span(buf):
    span = {"name": "", "trace_id": "", "span_id": "", "parent_span_id": "",
            "attributes": 0, "events": 0}
    for num, value in fields(buf):
        if num == 1:
            span["trace_id"] = value.hex()
        elif num == 2:
            span["span_id"] = value.hex()
        elif num == 4:
            span["parent_span_id"] = value.hex()
        elif num == 5:
            span["name"] = value.decode("utf-8", "replace")
        elif num == 9:
            span["attributes"] += 1
        elif num == 11:
            span["events"] += 1
    return span


def decode_request(buf):
    """ExportTraceServiceRequest: resource_spans=1 > scope_spans=2 > spans=2."""
    spans = []
    for num, rs in fields(buf):
        if num != 1:
            continue
        for num2, ss in fields(rs):
            if num2 != 2:
                continue
            for num3, sp in fields(ss):
                if num3 == 2:
                    spans.append(decode_span(sp))
    return spans


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", ctype="text/plain"):
        self.send_response(status)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def record(self, entry):
        entry["path"] = self.path
        entry["peer_port"] = self.client_address[1]
        with lock:
            log.append(entry)

    def echo(self):
        self.record({"traceparent": self.headers.get("traceparent", ""),
                     "baggage": self.headers.get("baggage", "")})
        self.reply(200, b"ok\n")

    def do_GET(self):
        if self.path == "/__echo":
            return self.echo()
        if self.path != "/__log":
            return self.reply(404)
        with lock:
            body = json.dumps(log, indent=1).encode()
        self.reply(200, body, "application/json")

    def do_POST(self):
        data = self.body()
        if self.path == "/__echo":
            return self.echo()
        if self.path == "/__reset":
            with lock:
                log.clear()
            return self.reply(204)
        if self.path != "/v1/traces":
            return self.reply(404)
        try:
            if self.headers.get("Content-Encoding", "") == "gzip":
                data = gzip.decompress(data)
            spans = decode_request(data)
        except (ValueError, OSError, EOFError) as e:
            self.record({"error": str(e), "spans": []})
            return self.reply(400)
        self.record({"spans": spans})
        self.reply(200)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = str(server.server_address[1])
    if len(sys.argv) > 1:
        with open(sys.argv[1] + ".tmp", "w") as f:
            f.write(port + "\n")
        os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    else:
        print(port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
