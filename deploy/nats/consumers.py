"""Create the durable consumers the services pull from, as the admin user (the streams job runs this).

Services may not create consumers: whoever may create a consumer on a stream can read all of it
(see nats-server.conf). The owner of the stream configuration creates them instead, with the
configuration the service kit would give them, and each service only pulls from and acks its own.

    python consumers.py apply [--nats-url URL]   create or update every consumer below
    python consumers.py list                     the consumers and the subjects each service needs

The URL defaults to ``TSUNAGU_NATS_URL`` (``nats://admin:<password>@nats:4222`` in the deployments).
Streams must exist first: ``tsunagu streams apply``.

SUBSCRIPTIONS mirrors what the services subscribe to. Adding a subscription to a service means
adding it here and adding its subjects to the service's permissions in nats-server.conf; the
deployment tests check that the three agree. Meant to move into the ``tsunagu`` command.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import nats
from tsunagu_contracts import EventType, dlq_subject
from tsunagu_servicekit.messaging.consumer import consumer_config, consumer_name

SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "intake": ("tsunagu.scheduling.case_review.concluded.v1",),
    "scheduling": (
        "tsunagu.intake.case.escalated.v1",
        "tsunagu.intake.home_visit.requested.v1",
    ),
    "partners": (),
    "subsidy": (),
    "training": (),
}


def planned() -> list[tuple[str, str, str, str]]:
    """``(service, event type, stream, consumer)`` for every subscription, in a stable order."""
    rows = []
    for service, event_types in sorted(SUBSCRIPTIONS.items()):
        for event_type in event_types:
            rows.append(
                (service, event_type, EventType.parse(event_type).stream, consumer_name(service, event_type))
            )
    return rows


async def apply(nats_url: str) -> int:
    nc = await nats.connect(
        nats_url, name="tsunagu-consumers-apply", connect_timeout=5, max_reconnect_attempts=3
    )
    try:
        js = nc.jetstream()
        for service, event_type, stream, name in planned():
            await js.add_consumer(stream, consumer_config(service, event_type))
            print(f"applied  {stream}.{name}")
    finally:
        await nc.close()
    return 0


def show() -> int:
    for service, event_type, stream, name in planned():
        print(f"{service}: {event_type}")
        print(f"  consumer  {stream}.{name}")
        for subject in (
            f"$JS.API.CONSUMER.INFO.{stream}.{name}",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{name}",
            f"$JS.ACK.{stream}.{name}.>",
            dlq_subject(name),
        ):
            print(f"  publish   {subject}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("apply", "list"))
    parser.add_argument("--nats-url", default=os.environ.get("TSUNAGU_NATS_URL", "nats://127.0.0.1:4222"))
    args = parser.parse_args(argv)
    if args.command == "list":
        return show()
    return asyncio.run(apply(args.nats_url))


if __name__ == "__main__":
    sys.exit(main())
