"""The directory's rules without I/O: search, what an edition prints, and when a new one is due."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tsunagu_contracts.events.partners import SupportKind, SupportTarget
from tsunagu_contracts.municipalities import tokyo_municipalities
from tsunagu_partners.domain.directory import (
    PARTNER,
    Edition,
    Listing,
    Query,
    SupportNet,
    fingerprint,
    leaflet_document,
    memo_document,
    search,
)

SHINJUKU, MINATO, HACHIOJI = "131041", "131032", "132012"
NET = SupportNet(
    phone="0120-529-528", phone_hours="月〜土 10:00〜17:00（祝日・年末年始を除く）", email_hours="24時間受付"
)
WINDOW = Listing(
    id="w1",
    kind="municipal_window",
    name="新宿区 ひきこもり相談窓口",
    municipality_code=SHINJUKU,
    support_kinds=(SupportKind.CONSULTATION,),
    targets=(SupportTarget.PERSON, SupportTarget.FAMILY),
    phone="03-0000-0001",
    hours="月〜金 8:30〜17:15（祝日・年末年始を除く）",
    open_now=False,
)
PARTNER_SERVING = Listing(
    id="p1",
    kind=PARTNER,
    name="NPO法人つなぐ居場所",
    municipality_code=MINATO,
    municipalities_served=(MINATO, SHINJUKU),
    support_kinds=(SupportKind.PLACE_TO_BELONG,),
    targets=(SupportTarget.PERSON,),
    open_now=True,
)
FAMILY_ASSOCIATION = Listing(
    id="r1",
    kind="family_association",
    name="八王子家族会",
    municipality_code=HACHIOJI,
    support_kinds=(SupportKind.CONSULTATION,),
    targets=(SupportTarget.FAMILY,),
)
ALL = [FAMILY_ASSOCIATION, PARTNER_SERVING, WINDOW]


def test_search_by_municipality_served_kind_target_and_open_now() -> None:
    assert search(ALL, Query(municipality_code=SHINJUKU)) == [WINDOW, PARTNER_SERVING]
    assert search(ALL, Query(municipality_code=HACHIOJI)) == [FAMILY_ASSOCIATION]
    assert search(ALL, Query(support_kind=SupportKind.PLACE_TO_BELONG)) == [PARTNER_SERVING]
    assert search(ALL, Query(target=SupportTarget.FAMILY)) == [WINDOW, FAMILY_ASSOCIATION]
    assert search(ALL, Query(open_now=True)) == [PARTNER_SERVING]
    assert search(ALL, Query(municipality_code=SHINJUKU, support_kind=SupportKind.SOCIAL_PARTICIPATION)) == []


def test_a_municipalitys_leaflet_lists_its_windows_and_the_partners_serving_it() -> None:
    document = leaflet_document(
        ALL,
        municipality_code=SHINJUKU,
        municipalities=tokyo_municipalities(),
        support_net=NET,
        edition=Edition(3, date(2025, 12, 3)),
    )
    assert document["title"] == "新宿区 ひきこもりに関する相談窓口のご案内"
    assert document["edition"] == "第3版 令和7年12月3日発行"
    [area] = document["areas"]
    assert [w["name"] for w in area["windows"]] == [WINDOW.name]
    assert [p["name"] for p in document["partners"]] == [PARTNER_SERVING.name]
    assert document["partners"][0]["support_labels"] == ["居場所"]


def test_the_tokyo_leaflet_has_a_section_per_municipality_with_something_and_each_partner_once() -> None:
    document = leaflet_document(
        ALL,
        municipality_code=None,
        municipalities=tokyo_municipalities(),
        support_net=NET,
        edition=Edition(1, date(2026, 4, 1)),
    )
    assert [a["code"] for a in document["areas"]] == [SHINJUKU, HACHIOJI]
    assert [p["id"] for p in document["partners"]] == ["p1"]


def test_a_new_edition_is_due_when_what_is_printed_changes_not_when_the_hour_does() -> None:
    before = fingerprint(ALL, NET)
    assert fingerprint(list(reversed(ALL)), NET) == before
    assert fingerprint([FAMILY_ASSOCIATION, PARTNER_SERVING, replace(WINDOW, open_now=True)], NET) == before
    assert (
        fingerprint([FAMILY_ASSOCIATION, PARTNER_SERVING, replace(WINDOW, phone="03-9999-9999")], NET)
        != before
    )
    assert fingerprint(ALL, replace(NET, phone_hours="月〜金 10:00〜17:00")) != before


def test_the_memo_carries_the_line_and_nothing_about_anyone() -> None:
    document = memo_document(NET, Edition(2, date(2026, 1, 5)))
    assert document["support_net"]["phone"] == "0120-529-528"
    assert set(document) == {"title", "edition", "support_net"}
