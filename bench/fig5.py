"""Figure 5 alone (the HTTP path, kit against peer), repeated: for A/B work on the kit's HTTP path.

``python -m bench.fig5 [--rounds N] [--requests N] [--concurrency 1 8 32]``: one nats-server,
SQLite, each round the kit then the peer at every concurrency. Prints each ratio; no targets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from tsunagu_servicekit.logging import configure_logging
from tsunagu_servicekit.natsserver import NatsServerProcess

from . import httppath
from .benchapp import settings_for
from .common import Databases


async def _rounds(url: str, workdir: Path, rounds: int, requests: int, concurrency: list[int]) -> None:
    sqlite = Databases(workdir)
    for r in range(rounds):
        for c in concurrency:
            kit = await httppath.kit_path(url, sqlite, requests, c, traced=False)
            peer = await httppath.peer_path(sqlite, requests, c)
            print(
                f"round {r} c={c:>2}: kit {kit['msgs_per_s']:6.0f}/s"
                f" p50 {kit['p50_ms']:.2f} p99 {kit['p99_ms']:.2f}"
                f" | peer {peer['msgs_per_s']:6.0f}/s p50 {peer['p50_ms']:.2f} p99 {peer['p99_ms']:.2f}"
                f" | ratio {kit['msgs_per_s'] / peer['msgs_per_s']:.2f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fig5")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()
    configure_logging(settings_for("bench", database_url="sqlite://", nats_url="nats://127.0.0.1:4222"))
    print(f"load before: {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="tsunagu-fig5-") as tmp:
        workdir = Path(tmp)
        with NatsServerProcess(store_dir=workdir / "nats", log_file=workdir / "nats-server.log") as server:
            asyncio.run(_rounds(server.url, workdir, args.rounds, args.requests, args.concurrency))


if __name__ == "__main__":
    main()
