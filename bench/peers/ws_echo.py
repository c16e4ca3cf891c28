#!/usr/bin/env python3
"""WebSocket echo for bench/run.sh (Debian's python3-websockets).
  ws_echo.py server PORT                     echo every message back
  ws_echo.py client PORT HOST N [SIZE]       N sequential round trips of SIZE bytes to 127.0.0.1:PORT with Host HOST;
                                             prints "p50_ms p99_ms" and exits non-zero if an echo differs"""
import asyncio
import os
import sys
import time

import websockets


async def echo(ws, path=None):
    async for message in ws:
        await ws.send(message)


async def serve(port):
    async with websockets.serve(echo, "127.0.0.1", port, max_size=None):
        await asyncio.Future()


async def client(port, host, n, size):
    payload = os.urandom(size)
    rtts = []
    async with websockets.connect(f"ws://{host}:{port}/", host="127.0.0.1", port=port, max_size=None) as ws:
        for _ in range(n):
            t0 = time.perf_counter()
            await ws.send(payload)
            back = await ws.recv()
            rtts.append((time.perf_counter() - t0) * 1000)
            if back != payload:
                sys.exit("ws_echo: echo differs")
    rtts.sort()
    print(f"{rtts[len(rtts) // 2]:.3f} {rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))]:.3f}")


if sys.argv[1] == "server":
    asyncio.run(serve(int(sys.argv[2])))
else:
    asyncio.run(client(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 64))
