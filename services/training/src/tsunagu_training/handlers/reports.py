"""Reports for the programme office: completions by audience, course, organisation and municipality
per fiscal year (with its 令和 label), the welfare commissioners' progress per municipality, and the
completions as CSV (UTF-8 with a byte-order mark, so that Excel reads the Japanese titles)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from tsunagu_calendar import fiscal_year_label
from tsunagu_contracts.events.training import Audience
from tsunagu_contracts.municipalities import tokyo_municipalities

from ..adapters import reports
from ..adapters.reports import CompletionLine
from .context import TrainingContext
from .learners import catalogue_in_force
from .views import CommissionerProgress, CompletionCount

COMPLETION_COLUMNS = tuple(CompletionCount.model_fields)
WELFARE_PROGRAMME = "wc-programme"


def _organisation(line: CompletionLine) -> tuple[str, str]:
    if line.partner_id is not None:
        return "partner", line.partner_id
    if line.municipality_code is not None:
        return "municipality", line.municipality_code
    return "agency", line.organisation_name or ""


def completions(ctx: TrainingContext, fiscal_year: int) -> list[CompletionCount]:
    """Completions of the year, one row per course or programme and organisation."""
    catalogue = catalogue_in_force(ctx, fiscal_year)
    titles = {
        **{c.code: c.title for c in catalogue.courses.values()},
        **{p.code: p.title for p in catalogue.programmes.values()},
    }
    groups: dict[tuple[str, str, str, str, str, str, str | None], list[str]] = defaultdict(list)
    with ctx.reading() as uow:
        for line in reports.completions_of_year(uow, fiscal_year):
            kind, organisation = _organisation(line)
            key = (
                line.audience,
                line.kind,
                line.code,
                titles.get(line.code, line.code),
                kind,
                organisation,
                line.municipality_code,
            )
            groups[key].append(line.learner_id)
    return [
        CompletionCount(
            fiscal_year=fiscal_year,
            fiscal_year_label=fiscal_year_label(fiscal_year),
            audience=Audience(audience),
            kind=kind,
            code=code,
            title=title,
            organisation_kind=organisation_kind,
            organisation=organisation,
            municipality_code=municipality,
            completions=len(learners),
            learners=len(set(learners)),
        )
        for (audience, kind, code, title, organisation_kind, organisation, municipality), learners in sorted(
            groups.items(), key=lambda item: tuple(str(part) for part in item[0])
        )
    ]


def completions_csv(ctx: TrainingContext, fiscal_year: int) -> bytes:
    """The completions as CSV: UTF-8 with a BOM, CRLF, the columns of :data:`COMPLETION_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COMPLETION_COLUMNS)
    for row in completions(ctx, fiscal_year):
        data = row.model_dump(mode="json")
        writer.writerow([data[column] if data[column] is not None else "" for column in COMPLETION_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def commissioners_progress(ctx: TrainingContext, fiscal_year: int) -> list[CommissionerProgress]:
    """Per municipality, the welfare commissioners enrolled and what they completed."""
    catalogue = catalogue_in_force(ctx, fiscal_year)
    programme = catalogue.programmes.get(WELFARE_PROGRAMME)
    courses = (
        list(programme.courses)
        if programme
        else [c.code for c in catalogue.courses.values() if c.audience is Audience.WELFARE_COMMISSIONERS]
    )
    names = tokyo_municipalities()
    enrolled: dict[str, set[str]] = defaultdict(set)
    done: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    with ctx.reading() as uow:
        for line in reports.enrolments_of_year(uow, fiscal_year, Audience.WELFARE_COMMISSIONERS.value):
            code = line.municipality_code or ""
            enrolled[code].add(line.learner_id)
            if line.status == "completed":
                done[code][line.code].add(line.learner_id)
    result = []
    for code in sorted(enrolled):
        municipality = names.get(code)
        result.append(
            CommissionerProgress(
                municipality_code=code,
                municipality_name=municipality.name_ja if municipality else "",
                enrolled=len(enrolled[code]),
                completed_by_course={course: len(done[code][course]) for course in courses},
                completed_programme=len(done[code][WELFARE_PROGRAMME]),
            )
        )
    return result
