"""The tunnelled service for the hostile HTTP tests: Python's own http.server speaking HTTP/1.1 that closes an
idle keep-alive connection after TIMEOUT seconds, as Node, gunicorn and Apache do with their keep-alive timeouts.

usage: keepalive_service.py TIMEOUT   (prints "PORT <n>" once listening on 127.0.0.1)
GET /hello       -> 200 with Content-Length
GET /headers     -> 200, the request target and headers as received ("path: ..." then "name: value" lines)
GET /hugehead    -> 200 with a 100 KB header (larger than any proxy accepts)
GET /nolength?size=N -> 200 without Content-Length or chunking: the body ends when the connection closes
POST /echo       -> 200 echoing the body (Content-Length)
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = float(sys.argv[1])

    def do_GET(self):
        if self.path.startswith("/nolength"):
            size = int(self.path.split("size=")[1]) if "size=" in self.path else 100000
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"x" * 65536
            left = size
            while left > 0:
                n = min(left, len(chunk))
                self.wfile.write(chunk[:n])
                left -= n
            self.close_connection = True
            return
        if self.path.startswith("/hugehead"):
            self.send_response(200)
            self.send_header("X-Huge", "h" * 100000)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/headers"):
            lines = ["path: " + self.path] + [k.lower() + ": " + v for k, v in self.headers.items()]
            body = ("\n".join(lines) + "\n").encode()
        else:
            body = b"hello from python\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
