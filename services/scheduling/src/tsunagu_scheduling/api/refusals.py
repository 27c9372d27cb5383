"""What each operation can refuse, as groups of the rules in :mod:`..domain.rules`: the routes
document them with the kit's ``refusals(...)``, so every status an operation answers is in the
OpenAPI document with the names of the rules behind it."""

from __future__ import annotations

from ..domain import rules as r

TIME = (
    r.IN_THE_PAST,
    r.NOT_ALIGNED_TO_SLOT,
    r.INVALID_DURATION,
    r.SPANS_MIDNIGHT,
    r.NATIONAL_HOLIDAY,
    r.YEAR_END_CLOSURE,
    r.OUTSIDE_OPENING_HOURS,
)
"""``check_time``: the time is bookable at all (in the future, on the grid, the channel open)."""

ROOM = (r.ROOM_NOT_FOUND, r.RESOURCE_INACTIVE, r.ROOM_UNAVAILABLE)
"""``load_room`` and ``check_available`` of a room."""

STAFF = (r.STAFF_NOT_FOUND, r.RESOURCE_INACTIVE, r.WRONG_RESOURCE_KIND, r.STAFF_UNAVAILABLE)
"""``load_staff`` and ``check_available`` of a staff member."""

BOOKABLE = (
    r.PERSON_ERASED,
    r.PERSON_NOT_KNOWN,
    r.CASE_NOT_KNOWN,
    r.CASE_OF_ANOTHER_PERSON,
    r.CASE_CLOSED,
)
"""``check_bookable``: the person (and case) a new booking is for, as intake announced them."""

CLAIMS = (r.PERSON_DOUBLE_BOOKED, r.STAFF_DOUBLE_BOOKED, r.ROOM_DOUBLE_BOOKED, r.SLOT_TAKEN)
"""``hold``: the database refused a claim on a slot."""

BOOKED_APPOINTMENT = (r.APPOINTMENT_NOT_FOUND, r.USE_HOME_VISIT_ENDPOINTS, r.APPOINTMENT_NOT_ACTIVE)
"""An appointment that is still booked, and not a home visit's."""

APPOINTMENT_BOOKING = (
    r.USE_HOME_VISIT_ENDPOINTS,
    r.ROOM_REQUIRED,
    r.ROOM_NOT_ALLOWED,
    *TIME,
    *STAFF,
    *ROOM,
    *CLAIMS,
)

VISIT_STAFFING = (
    *TIME,
    r.VISIT_OUTSIDE_FISCAL_YEAR,
    r.SAME_STAFF_TWICE,
    *STAFF,
    r.NOT_QUALIFIED_FOR_HOME_VISITS,
    r.TWO_STAFF_REQUIRED,
    *CLAIMS,
)

SESSION_ROOM = (*ROOM, r.ROOM_TOO_SMALL, *CLAIMS)

OPEN_SESSION = (r.GROUP_SESSION_NOT_FOUND, r.GROUP_SESSION_CLOSED)
