"""Contended writes on SQLite and PostgreSQL (``TSUNAGU_TEST_DATABASE_URL``): a held row makes the
next transaction wait for the first to end, and an insert a unique constraint refuses says so
instead of raising."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlmodel import Session
from tsunagu_servicekit.db import create_db_engine
from tsunagu_servicekit.rows import hold_row, insert_unless_taken


class _Base(DeclarativeBase):
    pass


class Room(_Base):
    __tablename__ = "kit_rows_room"
    id: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(8))
    seen: Mapped[str] = mapped_column(sa.String(64), default="")


class Seat(_Base):
    __tablename__ = "kit_rows_seat"
    __table_args__ = (sa.UniqueConstraint("room_id", "seat_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[str] = mapped_column(sa.String(8))
    seat_no: Mapped[int]


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_db_engine(database_url)
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Room(id="r1", status="open"))
        session.commit()
    yield engine
    engine.dispose()


def test_an_insert_the_unique_constraint_refuses_returns_false(engine: sa.Engine) -> None:
    with Session(engine) as session:
        assert insert_unless_taken(session, Seat(id=1, room_id="r1", seat_no=1))
        session.commit()
    with Session(engine) as session:
        assert not insert_unless_taken(session, Seat(id=2, room_id="r1", seat_no=1))
        session.rollback()
        assert insert_unless_taken(session, Seat(id=3, room_id="r1", seat_no=2))
        session.commit()
    with Session(engine) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Seat)).scalar_one() == 2


def test_a_held_row_makes_the_next_holder_wait_and_see_what_the_first_wrote(engine: sa.Engine) -> None:
    held = threading.Event()
    seen: list[str] = []

    def first() -> None:
        with Session(engine) as session:
            hold_row(session, Room.id, "r1", touch=Room.status)
            held.set()
            time.sleep(0.3)  # the second tries to hold the row meanwhile
            session.execute(sa.update(Room).where(Room.id == "r1").values(seen="first"))
            session.commit()

    def second() -> None:
        held.wait(10)
        with Session(engine) as session:
            hold_row(session, Room.id, "r1", touch=Room.status)
            seen.append(session.execute(sa.select(Room.seen).where(Room.id == "r1")).scalar_one())
            session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert seen == ["first"]
    with Session(engine) as session:
        assert session.execute(sa.select(Room.status).where(Room.id == "r1")).scalar_one() == "open"


def test_a_row_is_held_by_attributes_of_its_mapped_class(engine: sa.Engine) -> None:
    with Session(engine) as session, pytest.raises(TypeError):
        hold_row(session, Room.__table__.c.id, "r1", touch=Room.status)  # type: ignore[arg-type]  # a Core column, not a mapped attribute
