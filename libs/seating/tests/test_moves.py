"""The order of offers when a session is cancelled, and acceptances taking places by ``decide``."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tsunagu_seating import Place, Seat, Waitlist, decide, offer_order


def test_seat_holders_first_in_the_order_they_came_then_the_waitlist() -> None:
    places = [
        Place("0003", None),
        Place("0002", 1),  # seat 1 freed by someone and taken later: still after 0001
        Place("0005", None),
        Place("0001", 2),
    ]
    assert [p.id for p in offer_order(places)] == ["0001", "0002", "0003", "0005"]


def test_acceptances_made_in_the_offers_order_keep_it_in_the_next_session() -> None:
    offered = offer_order([Place("a", 1), Place("b", 2), Place("c", None), Place("d", None)])
    accepting = [p.id for p in offered if p.id != "b"]  # b declines: b does not move
    taken = {1}  # the next session has two seats, one taken already
    outcome = []
    for _ in accepting:
        decision = decide(2, taken, waitlist=True)
        if isinstance(decision, Seat):
            taken.add(decision.number)
        outcome.append(decision)
    assert list(zip(accepting, outcome, strict=True)) == [
        ("a", Seat(2)),
        ("c", Waitlist()),
        ("d", Waitlist()),
    ]


@given(st.lists(st.tuples(st.uuids(), st.booleans()), unique_by=lambda t: t[0], max_size=30))
def test_offer_order_keeps_everyone_once_seat_holders_before_the_waitlist(
    entries: list[tuple[object, bool]],
) -> None:
    places = [Place(str(u), n if seated else None) for n, (u, seated) in enumerate(entries, start=1)]
    ordered = offer_order(places)
    assert sorted(p.id for p in ordered) == sorted(p.id for p in places)
    kinds = [p.seat_no is None for p in ordered]
    assert kinds == sorted(kinds)
    seated = [p.id for p in ordered if p.seat_no is not None]
    waiting = [p.id for p in ordered if p.seat_no is None]
    assert seated == sorted(seated)
    assert waiting == sorted(waiting)
