#!/usr/bin/env python3
"""Browser-like HTTP/1.1 traffic for bench/http-soak.sh: keep-alive connections with idle gaps longer than the
service's keep-alive timeout, Upgrade: h2c requests (as the JDK HttpClient sends), POST bodies checked byte for byte,
pipelined pairs, downloads abandoned midway. Prints one summary line: requests per status and unexpected errors.

usage: soak_clients.py PORT HOST SECONDS WORKERS
"""
import collections
import os
import random
import socket
import sys
import threading
import time

PORT, HOST, SECONDS, WORKERS = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
counts = collections.Counter()
errors = collections.Counter()
lock = threading.Lock()


def note(key, bucket=counts):
    with lock:
        bucket[key] += 1


class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", PORT), timeout=20)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError("closed by tuns")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exactly(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        status = int(self._line().split()[1])
        headers = {}
        while True:
            line = self._line()
            if not line:
                break
            k, v = line.decode("latin-1").split(":", 1)
            headers[k.strip().lower()] = v.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._exactly(size)
                self._exactly(2)
        else:
            body = self._exactly(int(headers.get("content-length", "0")))
        note(status)
        return status, headers, body

    def close(self):
        self.s.close()


def get(path, extra=""):
    return ("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (path, HOST, extra)).encode()


def keepalive_with_gaps(c):
    for _ in range(random.randint(1, 4)):
        c.send(get("/hello"))
        status, _, body = c.response()
        if status == 200 and body != b"hello from python\n":
            note("bad body", errors)
        time.sleep(random.choice([0, 0.1, 0.5, 2.5, 3.5]))  # > 2 s: the service closes first


def upgrade_then_more(c):
    c.send(get("/hello", "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQBAAAAAAIAAAAA\r\n"))
    c.response()
    c.send(get("/hello"))
    c.response()


def post_echo(c):
    body = random.randbytes(random.randint(0, 65536))
    c.send(("POST /echo HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n" % (HOST, len(body))).encode() + body)
    status, _, got = c.response()
    if status == 200 and got != body:
        note("echo mismatch", errors)


def pipelined(c):
    c.send(get("/hello") + get("/headers"))
    c.response()
    c.response()


def abandoned_download(c):
    c.send(get("/nolength?size=5000000"))
    c._line()
    c._exactly(random.randint(1, 100000))  # then leave mid-body


SCENARIOS = [keepalive_with_gaps] * 4 + [upgrade_then_more, post_echo, post_echo, pipelined, abandoned_download]
if os.environ.get("SOAK_ONLY"):  # one scenario by name, to chase a failure
    SCENARIOS = [globals()[os.environ["SOAK_ONLY"]]]


def worker(deadline):
    while time.time() < deadline:
        scenario = random.choice(SCENARIOS)
        try:
            c = Conn()
        except OSError as e:
            note("connect: " + type(e).__name__, errors)
            time.sleep(0.1)
            continue
        try:
            scenario(c)
        except EOFError:
            # tuns may close after a response marked Connection: close; counted, not an error
            note("closed by tuns")
        except (OSError, ValueError, IndexError) as e:
            note("%s: %s" % (scenario.__name__, type(e).__name__), errors)
        finally:
            c.close()


deadline = time.time() + SECONDS
threads = [threading.Thread(target=worker, args=(deadline,), daemon=True) for _ in range(WORKERS)]
for t in threads:
    t.start()
for t in threads:
    t.join(SECONDS + 60)
print("statuses", dict(sorted((str(k), v) for k, v in counts.items())), "errors", dict(errors), flush=True)
sys.exit(1 if errors or counts.get(503) else 0)
