"""The seat rules driven through random sign-ups and cancellations, as a service applies them:
never more seated than capacity, no seat held twice, the waitlist in the order people came, and a
freed seat taken by the first in line."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st
from tsunagu_seating import Full, Seat, Waitlist, decide, next_in_line, waitlist_position


@dataclass
class Session:
    """A session's places as a service's tables hold them: who sits where, and the queue."""

    capacity: int
    waitlist: bool
    seats: dict[str, int] = field(default_factory=dict)
    queue: list[str] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)

    def sign_up(self, who: str) -> None:
        decision = decide(self.capacity, set(self.seats.values()), waitlist=self.waitlist)
        if isinstance(decision, Seat):
            self.seats[who] = decision.number
        elif isinstance(decision, Waitlist):
            self.queue.append(who)
        else:
            assert isinstance(decision, Full)
            assert not self.waitlist
            assert len(self.seats) == self.capacity
            return
        self.joined.append(who)

    def cancel(self, who: str) -> tuple[int, str] | None:
        """Cancel ``who``; the first in line and the seat they got, if a seat was handed on."""
        if who in self.queue:
            self.queue.remove(who)
            return None
        freed = self.seats.pop(who)
        first = next_in_line(self.queue)
        if first is None:
            return None
        self.queue.remove(first)
        self.seats[first] = freed
        return freed, first


operations = st.lists(st.one_of(st.just("join"), st.integers(0, 60)), max_size=80)


@given(st.integers(1, 12), st.booleans(), operations)
def test_seats_and_waitlist_keep_their_invariants(capacity: int, waitlist: bool, ops: list[object]) -> None:
    session = Session(capacity, waitlist)
    counter = 0
    for op in ops:
        active = list(session.seats) + session.queue
        if op == "join":
            counter += 1
            session.sign_up(f"p{counter:03d}")
        elif active:
            assert isinstance(op, int)
            who = active[op % len(active)]
            first_before = next_in_line(session.queue)
            freed = session.seats.get(who)
            handed_on = session.cancel(who)
            if freed is not None and first_before is not None:
                # promotion: the first in line takes the very seat that was freed
                assert handed_on == (freed, first_before)
                assert session.seats[first_before] == freed
                assert first_before not in session.queue
            else:
                assert handed_on is None
        # never more seated than capacity, each seat within 1..capacity and held once
        assert len(session.seats) <= capacity
        assert len(set(session.seats.values())) == len(session.seats)
        assert all(1 <= n <= capacity for n in session.seats.values())
        # nobody waits while a seat is free
        assert not session.queue or len(session.seats) == capacity
        # the queue is in the order people joined, and positions count from 1
        assert session.queue == [p for p in session.joined if p in session.queue]
        for n, who in enumerate(session.queue, start=1):
            assert waitlist_position(session.queue, who) == n
        if not waitlist:
            assert session.queue == []
