"""Statistics as the programme reports them: unique persons (実人数) and consultations (延べ件数).

A person counts once per cell however often they consulted; consultations count each contact.
Cells are by channel, by who consulted (the person, family, others), by municipality, and by month
of the fiscal year (April - March, labelled in the Japanese era: 令和7年度). Every channel, kind of
consulter and month appears, with zeros where nothing happened, so tables line up year on year.

Beside the consultations, the contacts: persons (実人数) and contacts (延べ件数) by modality — home
visits that took place (訪問), consultations people came to in person or online (面接), and phone
consultations (電話) — by municipality and by month. Each modality has one source, so nothing is
counted twice: visits and interviews are what the scheduling service recorded (its events), phone
contacts are intake's own phone consultations. A consultation recorded in intake after an interview
is a consultation, not a second interview.

The programme's managers read exact counts (:func:`build_report`). Figures that leave the programme
go through :func:`for_publication`: a cell of one or two persons in a small village identifies
people, so small cells are suppressed, and others with them so the total does not give them away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tsunagu_calendar import fiscal_year_label
from tsunagu_servicekit.exports import suppression as _suppression

from .codes import Channel, Consulter, ContactModality

DIMENSIONS = ("channel", "consulter", "municipality", "month")
CONTACT_DIMENSIONS = ("modality", "municipality", "month")


@dataclass(frozen=True, slots=True)
class Tally:
    persons: int = 0
    """実人数: distinct persons."""
    consultations: int = 0
    """延べ件数: consultations."""


@dataclass(frozen=True, slots=True)
class ContactTally:
    persons: int = 0
    """実人数: distinct persons."""
    contacts: int = 0
    """延べ件数: contacts."""


@dataclass(frozen=True, slots=True)
class ContactsReport:
    """Contacts of the fiscal year: home visits that took place, interviews (in person or online)
    people came to, phone consultations."""

    total: ContactTally = field(default_factory=ContactTally)
    by_modality: dict[str, ContactTally] = field(default_factory=dict)
    by_municipality: dict[str, ContactTally] = field(default_factory=dict)
    by_month: dict[str, ContactTally] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatisticsReport:
    fiscal_year: int
    label: str
    total: Tally
    by_channel: dict[str, Tally] = field(default_factory=dict)
    by_consulter: dict[str, Tally] = field(default_factory=dict)
    by_municipality: dict[str, Tally] = field(default_factory=dict)
    by_month: dict[str, Tally] = field(default_factory=dict)
    contacts: ContactsReport = field(default_factory=ContactsReport)


def fiscal_months(fy: int) -> list[str]:
    """``YYYY-MM`` of the twelve months of fiscal year ``fy``, April first."""
    return [f"{fy}-{m:02d}" for m in range(4, 13)] + [f"{fy + 1}-{m:02d}" for m in range(1, 4)]


Cells = Mapping[str, Iterable[tuple[str | None, int, int]]]
"""``cells[dimension] = [(key, persons, count)]``: counted cells of one report."""


def _table(cells: Cells, dimension: str, keys: Iterable[str]) -> dict[str, tuple[int, int]]:
    """One breakdown with every key in ``keys``, zeros where nothing was counted; what has no key
    (no known municipality) is counted under ``"unknown"``."""
    out = {key: (0, 0) for key in keys}
    for key, persons, count in cells.get(dimension, ()):
        out[key if key is not None else "unknown"] = (persons, count)
    return out


def build_report(
    fy: int,
    total: Tally,
    cells: Cells,
    municipality_codes: Iterable[str] = (),
    *,
    contacts_total: ContactTally | None = None,
    contact_cells: Cells | None = None,
) -> StatisticsReport:
    """Assemble the report from counted cells: ``cells[dimension] = [(key, persons, consultations)]``,
    and the contacts' ``contact_cells[dimension] = [(key, persons, contacts)]``.

    ``municipality_codes`` lists the municipalities shown even without consultations or contacts;
    those without a known municipality are counted under ``"unknown"``.
    """
    contact_cells = contact_cells or {}
    unknown = (set(cells) - set(DIMENSIONS)) | (set(contact_cells) - set(CONTACT_DIMENSIONS))
    if unknown:
        raise ValueError("unknown statistics dimension")
    codes = list(municipality_codes)
    months = fiscal_months(fy)

    def table(dimension: str, keys: Iterable[str]) -> dict[str, Tally]:
        return {key: Tally(*counts) for key, counts in _table(cells, dimension, keys).items()}

    def contact_table(dimension: str, keys: Iterable[str]) -> dict[str, ContactTally]:
        return {key: ContactTally(*counts) for key, counts in _table(contact_cells, dimension, keys).items()}

    return StatisticsReport(
        fiscal_year=fy,
        label=fiscal_year_label(fy),
        total=total,
        by_channel=table("channel", (c.value for c in Channel)),
        by_consulter=table("consulter", (c.value for c in Consulter)),
        by_municipality=table("municipality", codes),
        by_month=table("month", months),
        contacts=ContactsReport(
            total=contacts_total or ContactTally(),
            by_modality=contact_table("modality", (m.value for m in ContactModality)),
            by_municipality=contact_table("municipality", codes),
            by_month=contact_table("month", months),
        ),
    )


# Publication: small-cell suppression ----------------------------------------------------------------

# The rule is the kit's (every service publishes by it); intake's tallies are its cells.
DEFAULT_MIN_PERSONS = _suppression.DEFAULT_MIN_PERSONS
"""k: a published cell shows 0 or at least this many persons."""
InconsistentCounts = _suppression.InconsistentCounts


@dataclass(frozen=True, slots=True)
class PublishedTally:
    """A cell as published: both counts, or neither (``null``) with ``suppressed: true``.

    Whether a cell was suppressed for being small or to protect a small one is not said: telling
    them apart would narrow what the hidden cells can hold.
    """

    persons: int | None
    consultations: int | None
    suppressed: bool

    @classmethod
    def shown(cls, tally: Tally) -> PublishedTally:
        return cls(tally.persons, tally.consultations, suppressed=False)


HIDDEN = PublishedTally(None, None, suppressed=True)


@dataclass(frozen=True, slots=True)
class PublishedContactTally:
    """A cell of the contacts as published: both counts, or neither (``null``) with ``suppressed: true``."""

    persons: int | None
    contacts: int | None
    suppressed: bool

    @classmethod
    def shown(cls, tally: ContactTally) -> PublishedContactTally:
        return cls(tally.persons, tally.contacts, suppressed=False)


HIDDEN_CONTACTS = PublishedContactTally(None, None, suppressed=True)


@dataclass(frozen=True, slots=True)
class PublishedContacts:
    """The contacts with small cells suppressed, as the consultations are (:func:`for_publication`)."""

    total: PublishedContactTally
    by_modality: dict[str, PublishedContactTally] = field(default_factory=dict)
    by_municipality: dict[str, PublishedContactTally] = field(default_factory=dict)
    by_month: dict[str, PublishedContactTally] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishedReport:
    """The report with small cells suppressed, fit for publication (see :func:`for_publication`)."""

    fiscal_year: int
    label: str
    min_persons: int
    """k: every shown cell has 0 or at least ``min_persons`` persons."""
    total: PublishedTally
    by_channel: dict[str, PublishedTally] = field(default_factory=dict)
    by_consulter: dict[str, PublishedTally] = field(default_factory=dict)
    by_municipality: dict[str, PublishedTally] = field(default_factory=dict)
    by_month: dict[str, PublishedTally] = field(default_factory=dict)
    contacts: PublishedContacts = field(default_factory=lambda: PublishedContacts(HIDDEN_CONTACTS))


def suppressed_cells(group: Mapping[str, Tally], total: Tally, min_persons: int) -> list[str]:
    """Keys of the cells of ``group`` (one breakdown of ``total``) that are not to be published:
    the kit's rule (:func:`tsunagu_servicekit.exports.suppression.suppressed_cells`), primary and
    complementary, with consultations as the records."""
    return _suppression.suppressed_cells(
        {key: _suppression.Count(t.persons, t.consultations) for key, t in group.items()},
        _suppression.Count(total.persons, total.consultations),
        min_persons,
    )


def for_publication(report: StatisticsReport, min_persons: int = DEFAULT_MIN_PERSONS) -> PublishedReport:
    """``report`` with small-cell suppression, for figures that leave the programme.

    Every cell of 1 to ``min_persons - 1`` persons is suppressed, the total too when it is that
    small; consultations go with their persons. Within each breakdown one more cell, of
    ``min_persons`` or more, is suppressed wherever a cell is, so that subtracting the shown cells
    from the total recovers none (:func:`suppressed_cells`). Shown figures are exact; the total is
    never suppressed to protect a cell. The contacts are suppressed by the same rules, against
    their own total. Raises :class:`InconsistentCounts` on counts that no set of consultations (or
    contacts) gives, rather than publish from them.
    """

    def publish(group: Mapping[str, Tally]) -> dict[str, PublishedTally]:
        hidden = set(suppressed_cells(group, report.total, min_persons))
        return {key: HIDDEN if key in hidden else PublishedTally.shown(t) for key, t in group.items()}

    small_total = 0 < report.total.persons < min_persons
    return PublishedReport(
        fiscal_year=report.fiscal_year,
        label=report.label,
        min_persons=min_persons,
        total=HIDDEN if small_total else PublishedTally.shown(report.total),
        by_channel=publish(report.by_channel),
        by_consulter=publish(report.by_consulter),
        by_municipality=publish(report.by_municipality),
        by_month=publish(report.by_month),
        contacts=_published_contacts(report.contacts, min_persons),
    )


def _published_contacts(contacts: ContactsReport, min_persons: int) -> PublishedContacts:
    """The contacts with small cells suppressed: the consultations' rules, contacts counted as
    consultations are (each in exactly one cell of a breakdown)."""
    total = Tally(contacts.total.persons, contacts.total.contacts)

    def publish(group: Mapping[str, ContactTally]) -> dict[str, PublishedContactTally]:
        as_tallies = {key: Tally(t.persons, t.contacts) for key, t in group.items()}
        hidden = set(suppressed_cells(as_tallies, total, min_persons))
        return {
            key: HIDDEN_CONTACTS if key in hidden else PublishedContactTally.shown(t)
            for key, t in group.items()
        }

    small_total = 0 < contacts.total.persons < min_persons
    return PublishedContacts(
        total=HIDDEN_CONTACTS if small_total else PublishedContactTally.shown(contacts.total),
        by_modality=publish(contacts.by_modality),
        by_municipality=publish(contacts.by_municipality),
        by_month=publish(contacts.by_month),
    )
