"""The kit's access log and change history (tsunagu_servicekit.audit), on SQLite or the test
PostgreSQL: reads logged with the unit of work; a hash chain that shows an edited, deleted,
swapped or cut-off row where it happened; concurrent writers that do not fork it."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

import pytest
import sqlalchemy as sa
from tsunagu_servicekit.audit import (
    GENESIS_HASH,
    ChainBreak,
    ChainCheck,
    ChangeEntry,
    change_history,
    history_of,
    log_read,
    reads_of_person,
    reads_of_record,
    record_change,
    verify_chain,
)
from tsunagu_servicekit.db import create_db_engine, migrate
from tsunagu_servicekit.messaging.tables import metadata
from tsunagu_servicekit.testing import is_postgres, schema_drift
from tsunagu_servicekit.unit_of_work import ReadOnlyError, UnitOfWork, UnitOfWorkFactory

T0 = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
PERSON_A = "6f1c2b7e-8a0d-4d5e-9b1a-3c2d1e0f9a8b"
PERSON_B = "0b9e8d7c-6f5a-4b3c-8d2e-1f0a9b8c7d6e"
CHAIN = "test.applications"
OTHER = "test.budget"


class Purpose(StrEnum):
    CASE_WORK = "case_work"
    AUDIT = "audit"


@pytest.fixture
def units(database_url: str) -> Iterator[UnitOfWorkFactory]:
    engine = create_db_engine(database_url)
    migrate(engine, service="audittest")
    yield UnitOfWorkFactory(engine)
    engine.dispose()


def test_the_kit_migrations_make_exactly_the_tables_the_kit_declares(units: UnitOfWorkFactory) -> None:
    assert {"tsunagu_access_log", "tsunagu_change_history", "tsunagu_change_history_head"} <= set(
        metadata.tables
    )
    assert schema_drift(units.engine, "tsunagu_", declared=metadata) == []


# -- the access log --------------------------------------------------------------------------------


def logged(
    uow: UnitOfWork,
    subject: str,
    record_id: str,
    person_id: str | None,
    purpose: str | StrEnum,
    *,
    at: datetime = T0,
    record_type: str = "case",
) -> None:
    log_read(
        uow,
        subject=subject,
        at=at,
        record_type=record_type,
        record_id=record_id,
        person_id=person_id,
        purpose=purpose,
    )


def test_reads_are_logged_with_the_unit_of_work_and_read_back_oldest_first(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        logged(uow, "staff-2", "c-1", PERSON_A, Purpose.CASE_WORK, at=T0 + timedelta(minutes=5))
        logged(uow, "staff-1", "c-1", PERSON_A, "audit")
        logged(uow, "staff-1", "c-2", PERSON_B, "audit")
        logged(uow, "staff-3", "c-1", None, "review", record_type="application")
        uow.commit()

    with units.reading() as uow:
        of_a = reads_of_person(uow, PERSON_A)
        of_case = reads_of_record(uow, "case", "c-1")
        of_application = reads_of_record(uow, "application", "c-1")
    assert [(r.subject, r.at, r.purpose) for r in of_a] == [
        ("staff-1", T0, "audit"),
        ("staff-2", T0 + timedelta(minutes=5), "case_work"),
    ]
    assert of_case == of_a
    assert of_a[0].at.tzinfo is not None
    (read,) = of_application
    assert (read.subject, read.person_id, read.purpose) == ("staff-3", None, "review")
    with pytest.raises(AttributeError):
        read.subject = "someone else"  # type: ignore[misc]  # frozen: what the log says stays said


def test_a_read_whose_unit_of_work_does_not_commit_is_not_logged(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        logged(uow, "staff-1", "c-1", PERSON_A, "audit")
    with units.reading() as uow:
        assert reads_of_person(uow, PERSON_A) == []


def test_a_read_at_a_naive_time_is_refused(units: UnitOfWorkFactory) -> None:
    with units() as uow, pytest.raises(ValueError, match="naive"):
        log_read(
            uow, subject="s", at=datetime(2025, 5, 1), record_type="case", record_id="c", purpose="audit"
        )


# -- the change history ----------------------------------------------------------------------------


def small_change(uow: UnitOfWork, action: str) -> ChangeEntry:
    """A change of the record ("t", "r") in CHAIN."""
    return record_change(
        uow, chain=CHAIN, actor="a", record_type="t", record_id="r", action=action, data={}, at=T0
    )


def record(units: UnitOfWorkFactory, chain: str, n: int, *, minutes: int = 0) -> ChangeEntry:
    with units() as uow:
        entry = record_change(
            uow,
            chain=chain,
            actor="approver-1",
            record_type="application",
            record_id=f"app-{n % 3}",
            action="decided",
            data={
                "amount_yen": 1_000 * n,
                "fiscal_year": 2025,
                "categories": ["travel", "rent"],
                "final": n % 2 == 0,
            },
            at=T0 + timedelta(minutes=minutes or n),
        )
        uow.commit()
    return entry


def two_chains(units: UnitOfWorkFactory) -> list[ChangeEntry]:
    """Five rows of CHAIN with rows of OTHER between them, so CHAIN's seqs are not consecutive."""
    mine = []
    for n in range(5):
        mine.append(record(units, CHAIN, n))
        record(units, OTHER, n)
    return mine


def check(units: UnitOfWorkFactory, chain: str = CHAIN) -> ChainCheck:
    with units.reading() as uow:
        return verify_chain(uow, chain)


def test_changes_form_one_chain_per_name_that_verifies(units: UnitOfWorkFactory) -> None:
    mine = two_chains(units)

    assert check(units) == ChainCheck(rows_checked=5, first_broken_seq=None, reason=None)
    assert check(units).ok
    assert check(units, OTHER).ok
    assert check(units, "test.never-written") == ChainCheck(0, None, None)
    assert [e.prev_hash for e in mine] == [GENESIS_HASH] + [e.hash for e in mine[:-1]]
    assert all(a.seq < b.seq for a, b in pairwise(mine))
    with units.reading() as uow:
        stored = history_of(uow, "application", "app-1")
    assert [e.chain for e in stored] == [CHAIN, OTHER, CHAIN, OTHER]
    assert [e for e in stored if e.chain == CHAIN] == [mine[1], mine[4]]  # read back as written


def test_a_row_hash_is_sha256_of_the_previous_hash_and_the_rows_canonical_json(
    units: UnitOfWorkFactory,
) -> None:
    """The documented formula, recomputed here independently: an export can be checked without
    the kit."""
    with units() as uow:
        entry = record_change(
            uow,
            chain=CHAIN,
            actor="approver-1",
            record_type="application",
            record_id="app-1",
            action="decided",
            data={"b": [1, "二"], "a": {"z": None, "y": True}},
            at=datetime(2025, 5, 1, 10, 0, tzinfo=UTC) + timedelta(hours=9, microseconds=5),
        )
        uow.commit()
    content = (
        '{"action":"decided","actor":"approver-1","at":"2025-05-01T19:00:00.000005+00:00",'
        '"chain":"test.applications","data":{"a":{"y":true,"z":null},"b":[1,"二"]},'
        '"record_id":"app-1","record_type":"application","seq":' + str(entry.seq) + "}"
    )
    assert entry.hash == hashlib.sha256((GENESIS_HASH + content).encode()).hexdigest()


@pytest.mark.parametrize("bad", [1.5, datetime(2025, 5, 1, tzinfo=UTC), b"bytes", {1: "x"}, [{"deep": 0.1}]])
def test_change_data_holds_ids_codes_and_integers_only(units: UnitOfWorkFactory, bad: object) -> None:
    with units() as uow, pytest.raises(TypeError) as refused:
        record_change(
            uow,
            chain=CHAIN,
            actor="a",
            record_type="application",
            record_id="app-1",
            action="decided",
            data={"value": bad},  # type: ignore[dict-item]  # what a careless caller might pass
            at=T0,
        )
    assert not any(v in str(refused.value) for v in ("0.1", "1.5", "bytes'"))  # never echoes a value
    assert check(units) == ChainCheck(0, None, None)


def test_a_reading_unit_of_work_records_no_change(units: UnitOfWorkFactory) -> None:
    with units.reading() as uow, pytest.raises(ReadOnlyError):
        small_change(uow, "x")


def test_changes_in_one_unit_of_work_chain_and_go_with_its_rollback(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        first = small_change(uow, "x")
        second = small_change(uow, "y")
        assert second.prev_hash == first.hash
        assert history_of(uow, "t", "r") == [first, second]
        uow.commit()
    with units() as uow:
        small_change(uow, "z")
    with units.reading() as uow:
        assert history_of(uow, "t", "r") == [first, second]
    assert check(units) == ChainCheck(2, None, None)
    with units() as uow:
        third = small_change(uow, "z")
        uow.commit()
    assert third.prev_hash == second.hash
    assert check(units) == ChainCheck(3, None, None)


# -- tampering -------------------------------------------------------------------------------------


def tamper(units: UnitOfWorkFactory, *statements: sa.Executable) -> None:
    """What someone with UPDATE and DELETE on the table could do, past the kit."""
    with units.engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def at_seq(seq: int) -> sa.ColumnElement[bool]:
    return change_history.c.seq == seq


def test_an_edited_row_breaks_the_chain_at_itself(units: UnitOfWorkFactory) -> None:
    mine = two_chains(units)
    tamper(
        units,
        sa.update(change_history).where(at_seq(mine[2].seq)).values(data={**mine[2].data, "amount_yen": 9}),
    )
    assert check(units) == ChainCheck(3, mine[2].seq, ChainBreak.EDITED)
    assert check(units, OTHER).ok


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "someone-else"),
        ("action", "refused"),
        ("record_id", "app-9"),
        ("at", T0 + timedelta(days=1)),
    ],
)
def test_any_edited_column_breaks_the_chain(units: UnitOfWorkFactory, column: str, value: object) -> None:
    mine = two_chains(units)
    tamper(units, sa.update(change_history).where(at_seq(mine[1].seq)).values({column: value}))
    assert check(units) == ChainCheck(2, mine[1].seq, ChainBreak.EDITED)


def test_data_edited_into_something_unreadable_is_reported_not_raised(units: UnitOfWorkFactory) -> None:
    mine = two_chains(units)
    with units.engine.begin() as conn:
        if conn.dialect.name == "sqlite":  # PostgreSQL's json type would refuse it
            conn.execute(
                sa.text("UPDATE tsunagu_change_history SET data = 'not json' WHERE seq = :s"),
                {"s": mine[3].seq},
            )
        else:
            conn.execute(
                sa.text("UPDATE tsunagu_change_history SET data = '[1]' WHERE seq = :s"), {"s": mine[3].seq}
            )
    assert check(units) == ChainCheck(4, mine[3].seq, ChainBreak.EDITED)


def test_a_deleted_middle_row_breaks_the_chain_at_the_next_row(units: UnitOfWorkFactory) -> None:
    mine = two_chains(units)
    tamper(units, sa.delete(change_history).where(at_seq(mine[2].seq)))
    assert check(units) == ChainCheck(3, mine[3].seq, ChainBreak.UNLINKED)
    assert check(units, OTHER).ok


def test_a_deleted_first_row_breaks_the_chain_at_the_second(units: UnitOfWorkFactory) -> None:
    mine = two_chains(units)
    tamper(units, sa.delete(change_history).where(at_seq(mine[0].seq)))
    assert check(units) == ChainCheck(1, mine[1].seq, ChainBreak.UNLINKED)


def test_deleted_newest_rows_show_against_the_chains_recorded_end(units: UnitOfWorkFactory) -> None:
    mine = two_chains(units)
    tamper(units, sa.delete(change_history).where(change_history.c.seq.in_([mine[3].seq, mine[4].seq])))
    assert check(units) == ChainCheck(3, mine[4].seq, ChainBreak.TRUNCATED)


def swapped(mine: list[ChangeEntry], i: int, j: int, *, renumbered: bool) -> list[sa.Executable]:
    """Rows i and j of the chain change places: by their numbers, or by their contents."""
    a, b = mine[i].seq, mine[j].seq
    if renumbered:
        return [
            sa.update(change_history).where(at_seq(a)).values(seq=-1),
            sa.update(change_history).where(at_seq(b)).values(seq=a),
            sa.update(change_history).where(at_seq(-1)).values(seq=b),
        ]
    content = [c.name for c in change_history.c if c.name != "seq"]
    return [
        sa.update(change_history).where(at_seq(seq)).values({c: getattr(entry, c) for c in content})
        for seq, entry in ((a, mine[j]), (b, mine[i]))
    ]


@pytest.mark.parametrize("renumbered", [True, False])
@pytest.mark.parametrize(("i", "j"), [(1, 3), (2, 3), (0, 4)])
def test_swapped_rows_break_the_chain_at_the_earlier_place(
    units: UnitOfWorkFactory, i: int, j: int, renumbered: bool
) -> None:
    mine = two_chains(units)
    tamper(units, *swapped(mine, i, j, renumbered=renumbered))
    assert check(units) == ChainCheck(i + 1, mine[i].seq, ChainBreak.UNLINKED)


def test_a_row_added_past_the_kit_shows_as_unrecorded(units: UnitOfWorkFactory) -> None:
    """Even one that links correctly to the chain's end and hashes right."""
    mine = two_chains(units)
    with units() as uow:
        forged = small_change(uow, "x")
        row = {c: getattr(forged, c) for c in change_history.c.keys()}  # noqa: SIM118  (names, not columns)
        uow.rollback()
    tamper(units, sa.insert(change_history).values(**row))
    assert forged.prev_hash == mine[-1].hash
    assert check(units) == ChainCheck(6, forged.seq, ChainBreak.UNRECORDED)


# -- privileges ------------------------------------------------------------------------------------


def test_a_role_without_update_or_delete_on_the_history_writes_it_and_cannot_rewrite_it(
    units: UnitOfWorkFactory, database_url: str
) -> None:
    """The grants of docs/deploy.md are enough for the kit, and they hold."""
    if not is_postgres(database_url):
        pytest.skip("roles and grants are PostgreSQL's (SQLite has none)")
    role = f"tsunagu_t_writer_{uuid.uuid4().hex[:12]}"
    with units.engine.begin() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" NOLOGIN'))
        conn.execute(
            sa.text(f'GRANT SELECT, INSERT ON tsunagu_change_history, tsunagu_access_log TO "{role}"')
        )
        conn.execute(sa.text(f'GRANT SELECT, INSERT, UPDATE ON tsunagu_change_history_head TO "{role}"'))
        conn.execute(
            sa.text(
                "GRANT USAGE ON SEQUENCE tsunagu_change_history_seq_seq, tsunagu_access_log_id_seq"
                f' TO "{role}"'
            )
        )
    as_role = sa.text(f'SET LOCAL ROLE "{role}"')
    try:
        with units() as uow:
            uow.session.execute(as_role)
            for action in ("applied", "decided"):
                small_change(uow, action)
            logged(uow, "s", "r", PERSON_A, "audit")
            uow.commit()
        for forbidden in (sa.update(change_history).values(actor="b"), sa.delete(change_history)):
            with units() as uow:
                uow.session.execute(as_role)
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    uow.session.execute(forbidden)
        assert check(units) == ChainCheck(2, None, None)
        with units.reading() as uow:
            assert len(reads_of_person(uow, PERSON_A)) == 1
    finally:
        with units.engine.begin() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))


# -- concurrency -----------------------------------------------------------------------------------


def test_concurrent_writers_do_not_fork_a_chain(units: UnitOfWorkFactory) -> None:
    """20 threads, each with its own unit of work, append at once to two chains that do not exist
    yet. Each holds its transaction open a moment after appending, so that writers not made to
    take turns would read the same end of the chain. Meanwhile a check runs again and again, and
    never takes an append committed while it reads for a break."""
    writers = 20
    start = threading.Barrier(writers + 1)
    errors: list[BaseException] = []
    checks_meanwhile: list[ChainCheck] = []
    written = threading.Event()

    def checker() -> None:
        try:
            start.wait(timeout=30)
            while not written.is_set():
                checks_meanwhile.append(check(units))
        except BaseException as exc:
            errors.append(exc)

    def writer(n: int) -> None:
        try:
            start.wait(timeout=30)
            with units() as uow:
                record_change(
                    uow,
                    chain=(CHAIN, OTHER)[n % 2],
                    actor=f"writer-{n}",
                    record_type="application",
                    record_id=f"app-{n}",
                    action="applied",
                    data={"n": n},
                    at=T0,
                )
                time.sleep(0.02)
                uow.commit()
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    checking = threading.Thread(target=checker)
    for t in [*threads, checking]:
        t.start()
    for t in threads:
        t.join(timeout=120)
    written.set()
    checking.join(timeout=120)
    assert not errors, errors
    assert checks_meanwhile
    assert [c for c in checks_meanwhile if not c.ok] == []
    assert check(units) == ChainCheck(writers // 2, None, None)
    assert check(units, OTHER) == ChainCheck(writers // 2, None, None)
    with units.engine.connect() as conn:
        links = conn.execute(sa.select(change_history.c.chain, change_history.c.prev_hash)).all()
        counts = conn.execute(
            sa.select(change_history.c.chain, sa.func.count()).group_by(change_history.c.chain)
        )
        by_chain = {chain: count for chain, count in counts}
    assert len(links) == len(set(links)) == writers  # no row has a sibling
    assert by_chain == {CHAIN: writers // 2, OTHER: writers // 2}
