"""The producing service of the latency run (3c), as its own process: ``python -m bench.producer``.

Services never share an interpreter in production; running the producer here keeps its commits
and relay off the consumer's GIL. It commits one event per unit of work at a steady rate, notes
when each ``commit()`` returned (``time.time_ns``, comparable across processes on one machine),
waits until the relay has published everything and writes ``{event id: commit ns}`` as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from tsunagu_servicekit.logging import configure_logging

from .benchapp import build_runtime, emit_pinged, settings_for
from .common import paced


async def produce(
    url: str, database_url: str, per_second: float, seconds: float, warmup: float
) -> dict[str, int]:
    settings = settings_for("benchproducer", database_url=database_url, nats_url=url)
    runtime = build_runtime(settings, consume=False)
    sent: dict[str, int] = {}

    def commit_one(i: int) -> tuple[str, int]:
        with runtime.units() as uow:
            event = emit_pinged(uow, i)
            uow.commit()
        return event.id, time.time_ns()

    async def send(i: int, measured: bool) -> None:
        # A worker thread, as a request handler's database work would run.
        eid, t0 = await asyncio.to_thread(commit_one, i)
        if measured:
            sent[eid] = t0

    await runtime.start()
    try:
        await paced(per_second, seconds, send, warmup=warmup)
        for _ in range(600):  # up to 30 s for the relay to drain
            if not await asyncio.to_thread(runtime.infra.relay.pending_count):
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    return sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nats", required=True)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of the producer's database")
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    configure_logging(settings_for("benchproducer", database_url="sqlite://", nats_url=args.nats))
    sent = asyncio.run(produce(args.nats, args.db, args.rate, args.seconds, args.warmup))
    args.out.write_text(json.dumps(sent))


if __name__ == "__main__":
    main()
