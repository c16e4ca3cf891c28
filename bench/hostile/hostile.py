#!/usr/bin/env python3
"""Helpers for bench/hostile-memory.sh (loopback only, standard library only).

  hostile.py backend PORT FILE        HTTP backend: POST/PUT /sha256 answers "<sha256> <size>" of the request body
                                      (Content-Length or chunked); GET /chunked streams FILE chunked; GET /sse is an
                                      endless event stream (a tick every 100 ms, ends after 15 min); GET /health.
  hostile.py viewer PORT HOST TOKEN   a console viewer that opens /_sish/api/events and never reads.
  hostile.py sse PORT HOST OUT        reads /sse through the tunnel; keeps "<ticks> <longest pause ms>" in OUT.
"""
import hashlib
import http.server
import os
import signal
import socket
import socketserver
import sys
import time


class Backend(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    file = None

    def log_message(self, *args):
        pass

    def _reply(self, status, body, ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _upload(self):
        sha, size = hashlib.sha256(), 0
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                left = n
                while left:
                    b = self.rfile.read(min(left, 1 << 16))
                    if not b:
                        raise ConnectionError("short chunk")
                    sha.update(b)
                    left -= len(b)
                    size += len(b)
                self.rfile.readline(16)
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left:
                b = self.rfile.read(min(left, 1 << 16))
                if not b:
                    raise ConnectionError("short body")
                sha.update(b)
                left -= len(b)
                size += len(b)
        self._reply(200, f"{sha.hexdigest()} {size}\n".encode())

    do_PUT = _upload

    def do_POST(self):
        self._upload()

    def do_GET(self):
        if self.path.startswith("/health"):
            self._reply(200, b"ok\n")
        elif self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            with open(self.file, "rb") as f:
                while True:
                    b = f.read(1 << 16)
                    if not b:
                        break
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(b), b))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/sse"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            end = time.time() + 900
            i = 0
            while time.time() < end:
                ev = b"data: tick %d\n\n" % i
                self.wfile.write(b"%x\r\n%s\r\n" % (len(ev), ev))
                self.wfile.flush()
                i += 1
                time.sleep(0.1)
            self.wfile.write(b"0\r\n\r\n")
            self.close_connection = True
        else:
            self._reply(404, b"not found\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        pass  # clients that go away (the SSE reader at the end) are expected


def backend(port, file):
    Backend.file = file
    Server(("127.0.0.1", int(port)), Backend).serve_forever()


def viewer(port, host, token):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", int(port)))
    s.sendall(f"GET /_sish/api/events HTTP/1.1\r\nHost: {host}\r\nx-authorization: {token}\r\n"
              f"Accept: text/event-stream\r\n\r\n".encode())
    while True:  # never reads
        time.sleep(3600)


def sse(port, host, out):
    ticks, gap, last = 0, 0, None

    def save(*_):
        tmp = out + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{ticks} {gap}\n")
        os.replace(tmp, out)

    def stop(*_):
        save()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    save()
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.sendall(f"GET /sse HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    while True:
        b = s.recv(65536)
        if not b:
            break
        n = b.count(b"data: tick")
        if n:
            now = time.monotonic()
            if last is not None:
                gap = max(gap, int((now - last) * 1000))
            last = now
            ticks += n
            save()
    gap = -1  # the stream broke
    save()


if __name__ == "__main__":
    {"backend": backend, "viewer": viewer, "sse": sse}[sys.argv[1]](*sys.argv[2:])
