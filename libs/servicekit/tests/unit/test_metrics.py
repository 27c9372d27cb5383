from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from tsunagu_servicekit.metrics import (
    DEAD_LETTERS,
    HANDLER_SECONDS,
    HTTP_REQUESTS,
    MESSAGES_CONSUMED,
    OUTBOX_PENDING,
    OUTBOX_PUBLISHED,
    REGISTRY,
    render_metrics,
)


def _value(name: str, labels: dict[str, str]) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_metrics_render_in_the_prometheus_text_format() -> None:
    before = (
        _value("tsunagu_messages_consumed_total", {"consumer": "metrics-test", "outcome": "processed"}) or 0
    )
    MESSAGES_CONSUMED.labels(consumer="metrics-test", outcome="processed").inc(3)
    MESSAGES_CONSUMED.labels(consumer="metrics-test", outcome="dead_lettered").inc()
    DEAD_LETTERS.labels(consumer="metrics-test", error_class="ContractError").inc()
    OUTBOX_PUBLISHED.labels(service="metrics-test").inc(5)
    OUTBOX_PENDING.labels(service="metrics-test").set(7)
    HANDLER_SECONDS.labels(consumer="metrics-test").observe(0.02)
    HTTP_REQUESTS.labels(service="metrics-test", method="GET", route="/cases/{case_id}", status="200").inc()

    body, content_type = render_metrics()

    assert content_type.startswith("text/plain")
    text = body.decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert {
        "tsunagu_messages_consumed",
        "tsunagu_dead_letters",
        "tsunagu_outbox_published",
        "tsunagu_outbox_pending",
        "tsunagu_handler_batch_seconds",
        "tsunagu_http_requests",
    } <= set(families)
    assert _value(
        "tsunagu_messages_consumed_total", {"consumer": "metrics-test", "outcome": "processed"}
    ) == (before + 3)
    assert _value("tsunagu_outbox_pending", {"service": "metrics-test"}) == 7
    assert _value("tsunagu_handler_batch_seconds_count", {"consumer": "metrics-test"}) >= 1
    assert 'route="/cases/{case_id}"' in text


def test_registry_is_separate_from_the_default_one() -> None:
    from prometheus_client import REGISTRY as DEFAULT_REGISTRY

    assert REGISTRY is not DEFAULT_REGISTRY
    assert DEFAULT_REGISTRY.get_sample_value("tsunagu_outbox_pending", {"service": "metrics-test"}) is None
