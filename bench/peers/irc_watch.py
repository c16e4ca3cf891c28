#!/usr/bin/python3
"""A second IRC client in the channel for bench/alert-path.sh: joins, answers PING, appends every line to a file.

usage: irc_watch.py PORT NICK CHANNEL FILE
"""
import socket
import sys
import time

port, nick, channel, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port))
s.sendall(("NICK %s\r\nUSER %s 0 * :watcher\r\nJOIN %s\r\n" % (nick, nick, channel)).encode())
buf = b""
with open(path, "a", buffering=1) as f:
    while True:
        data = s.recv(4096)
        if not data:
            break
        buf += data
        while b"\r\n" in buf:
            line, buf = buf.split(b"\r\n", 1)
            text = line.decode("utf-8", "replace")
            if text.startswith("PING"):
                s.sendall(("PONG" + text[4:] + "\r\n").encode())
            f.write("%d %s\n" % (int(time.time() * 1000), text))
