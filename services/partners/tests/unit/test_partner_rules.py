"""The partner rules, without I/O."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tsunagu_partners.domain.partners import name_key
from tsunagu_partners.domain.rules import RULES


def test_full_and_half_width_titles_share_a_key() -> None:
    assert name_key("ＮＰＯ法人　つなぐ") == name_key(" npo法人  つなぐ") == "npo法人 つなぐ"
    assert name_key("ｶﾀｶﾅ") == name_key("カタカナ")


@given(st.text(max_size=50))
def test_a_key_is_its_own_key(name: str) -> None:
    assert name_key(name_key(name)) == name_key(name)


def test_every_rule_is_a_client_error_with_a_fixed_sentence() -> None:
    assert len(RULES) >= 2
    assert all(400 <= rule.status < 500 and rule.message.endswith(".") for rule in RULES)
