#!/usr/bin/python3
"""A real (if minimal) SMTP server for bench/alert-path.sh: Python's stdlib smtpd, each mail stored decoded.

usage: smtp_sink.py PORT DIR   -> DIR/index.tsv gets "epoch_ms<TAB>to<TAB>subject" per mail, DIR/<n>.txt the body.
"""
import email
import email.header
import email.policy
import os
import sys
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
import asyncore  # noqa: E402  (Python 3.11 still ships smtpd/asyncore; Debian 12's python3)
import smtpd  # noqa: E402

port, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
count = [0]


class Sink(smtpd.SMTPServer):
    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        msg = email.message_from_bytes(data if isinstance(data, bytes) else data.encode(), policy=email.policy.default)
        subject = str(msg["Subject"] or "").replace("\t", " ").replace("\n", " ")
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        count[0] += 1
        with open(os.path.join(out, "%d.txt" % count[0]), "w") as f:
            f.write(text)
        with open(os.path.join(out, "index.tsv"), "a") as f:
            f.write("%d\t%s\t%s\t%d\n" % (int(time.time() * 1000), ",".join(rcpttos), subject, count[0]))
        return None


Sink(("127.0.0.1", port), None, decode_data=False)
asyncore.loop()
