"""The relay lease's clock: when its holder publishes and when it renews (no database needed)."""

from __future__ import annotations

import time
from pathlib import Path

from tsunagu_servicekit.db import create_db_engine
from tsunagu_servicekit.messaging.lease import RelayLease
from tsunagu_servicekit.messaging.relay import OutboxRelay


def test_the_holder_publishes_for_two_thirds_of_the_term_counted_from_when_the_renewal_was_sent() -> None:
    lease = RelayLease("outbox-relay:x", 30.0)
    assert (lease.may_publish(), lease.renewal_due()) == (False, True)  # nothing held yet

    lease.settle(7, time.monotonic())
    assert (lease.may_publish(), lease.renewal_due()) == (True, False)

    lease.settle(7, time.monotonic() - 11)  # past a third: renew at the next pass, still publishing
    assert (lease.may_publish(), lease.renewal_due()) == (True, True)

    lease.settle(7, time.monotonic() - 21)  # past two thirds: another may take it in 9 s
    assert not lease.may_publish()


def test_after_an_error_the_holder_stops_publishing_but_keeps_its_token_to_renew_as_itself() -> None:
    lease = RelayLease("outbox-relay:x", 30.0)
    lease.settle(3, time.monotonic())
    lease.suspend()
    assert (lease.may_publish(), lease.renewal_due()) == (False, True)
    assert lease.token == 3


def test_a_lost_lease_publishes_nothing() -> None:
    lease = RelayLease("outbox-relay:x", 30.0)
    lease.settle(3, time.monotonic())
    lease.settle(None, time.monotonic())
    assert (lease.may_publish(), lease.token) == (False, None)


def test_on_sqlite_the_relay_holds_no_lease_one_process_owns_the_file(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        relay = OutboxRelay(engine, lambda: None, service="x")  # type: ignore[arg-type,return-value]
        assert relay._lease is None
        assert relay._may_publish()
    finally:
        engine.dispose()
