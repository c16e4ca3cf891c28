# Upload sink: reads the whole request body, then answers 200 with the byte count.
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0")); got = 0
        while got < n:
            b = self.rfile.read(min(1 << 20, n - got))
            if not b: break
            got += len(b)
        body = str(got).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    do_POST = do_PUT
    def log_message(self, *a): pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
