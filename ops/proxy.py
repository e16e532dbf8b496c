"""A small TCP load balancer for running several web processes on one host (Procfile.scale):
each new connection goes to the next backend in turn; a backend that refuses is skipped, so
a dead web process costs nothing but its open connections. It works below HTTP, so plain
requests, keep-alive and websockets pass unchanged (Host header included). In production put
nginx or the cloud's load balancer here (README, "Production topology").

    python -m ops.proxy --listen 127.0.0.1:8000 --backends 127.0.0.1:8001,127.0.0.1:8002
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging

log = logging.getLogger("hostline.proxy")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


class Balancer:
    def __init__(self, backends: list[tuple[str, int]]):
        self.backends = backends
        self._turn = itertools.cycle(range(len(backends)))

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        for _ in range(len(self.backends)):
            host, port = self.backends[next(self._turn)]
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port), timeout=2)
            except (OSError, TimeoutError):
                log.warning("backend %s:%s refused; trying the next", host, port)
        raise ConnectionError("no backend is answering")

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            back_r, back_w = await self._connect()
        except ConnectionError:
            client_w.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await client_w.drain()
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, back_w), _pipe(back_r, client_w))


def _addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def serve(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    server = await asyncio.start_server(Balancer(backends).handle, *listen)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8000")
    parser.add_argument("--backends", required=True, help="comma-separated host:port list")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(_addr(args.listen), [_addr(b) for b in args.backends.split(",")]))


if __name__ == "__main__":
    main()
