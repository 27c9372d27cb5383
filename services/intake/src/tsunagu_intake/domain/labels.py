"""What the public pages call the codes, in Japanese: the words people read on the forms."""

from __future__ import annotations

from .codes import AgeBand, Consulter, Topic, Triage

CONSULTER_JA: dict[Consulter, str] = {
    Consulter.PERSON: "本人",
    Consulter.FAMILY: "家族",
    Consulter.OTHER: "その他（知人・支援者など）",
}

AGE_BAND_JA: dict[AgeBand, str] = {
    AgeBand.UNDER_15: "15歳未満",
    AgeBand.AGE_15_19: "15〜19歳",
    AgeBand.AGE_20_29: "20〜29歳",
    AgeBand.AGE_30_39: "30〜39歳",
    AgeBand.AGE_40_49: "40〜49歳",
    AgeBand.AGE_50_59: "50〜59歳",
    AgeBand.AGE_60_69: "60〜69歳",
    AgeBand.AGE_70_PLUS: "70歳以上",
    AgeBand.UNKNOWN: "答えない・わからない",
}

TOPIC_JA: dict[Topic, str] = {
    Topic.WITHDRAWAL: "ひきこもりの状態",
    Topic.FAMILY_RELATIONS: "家族との関係",
    Topic.SCHOOL: "学校・不登校",
    Topic.EMPLOYMENT: "仕事・就労",
    Topic.MENTAL_HEALTH: "こころの健康",
    Topic.PHYSICAL_HEALTH: "からだの健康",
    Topic.DEVELOPMENTAL: "発達の特性",
    Topic.DAILY_LIFE: "日常生活",
    Topic.FINANCES: "お金・生活費",
    Topic.VIOLENCE: "暴力・暴言",
    Topic.SOCIAL_PARTICIPATION: "社会参加・居場所",
    Topic.OTHER: "その他",
}

DECLARED_JA: dict[Triage, str] = {
    Triage.NONE: "どちらでもない",
    Triage.EMERGENCY: "緊急：命や身の安全に関わる状況にある",
    Triage.DIAGNOSIS_REQUEST: "病気・障害の診断や薬について知りたい",
}
