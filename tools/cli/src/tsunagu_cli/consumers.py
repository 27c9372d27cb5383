"""``tsunagu consumers``: the services' durable consumers, created by the operator, and their state.

Where the operator owns consumers (production permissions: see ``deploy/nats/nats-server.conf``),
services may not create them: whoever may create a consumer on a stream can read all of it. The
owner of the stream configuration creates them instead, as the NATS admin user, with exactly the
configuration the service kit would give them (``consumer_config``), and each service only looks
up, pulls from and acks its own (``manage_consumers=false``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from rich.markup import escape
from rich.table import Table
from tsunagu_contracts import DLQ_STREAM, EventType, dlq_subject
from tsunagu_contracts.streams import stream_name
from tsunagu_servicekit.broker import inbox_prefix
from tsunagu_servicekit.messaging.consumer import ConsumerPolicy, consumer_config, consumer_name

from .common import CliError, connect, console, display_url

SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "intake": (
        "tsunagu.scheduling.case_review.concluded.v2",
        "tsunagu.scheduling.case_review.scheduled.v1",
        "tsunagu.scheduling.home_visit.scheduled.v1",
        "tsunagu.scheduling.home_visit.completed.v1",
        "tsunagu.scheduling.home_visit.cancelled.v1",
        "tsunagu.scheduling.home_visit.cap_reached.v1",
        "tsunagu.scheduling.appointment.attended.v1",
        "tsunagu.scheduling.appointment.missed.v1",
        "tsunagu.partners.referral.offered.v1",
        "tsunagu.partners.referral.accepted.v1",
        "tsunagu.partners.referral.declined.v1",
        "tsunagu.partners.referral.withdrawn.v1",
        "tsunagu.partners.referral.outcome_reported.v1",
        "tsunagu.scheduling.session.scheduled.v1",
        "tsunagu.scheduling.session.registered.v1",
        "tsunagu.scheduling.session.waitlisted.v1",
        "tsunagu.scheduling.session.waitlist_promoted.v1",
        "tsunagu.scheduling.session.registration_cancelled.v1",
        "tsunagu.scheduling.session.signup_refused.v1",
    ),
    "scheduling": (
        "tsunagu.intake.case.escalated.v1",
        "tsunagu.intake.case.closed.v1",
        "tsunagu.intake.home_visit.requested.v1",
        "tsunagu.intake.person.erased.v1",
        "tsunagu.intake.case.opened.v1",
        "tsunagu.intake.consultation.received.v1",
        "tsunagu.partners.agreement.signed.v1",
        "tsunagu.partners.agreement.renewed.v1",
        "tsunagu.partners.agreement.resumed.v1",
        "tsunagu.partners.agreement.suspended.v1",
        "tsunagu.partners.agreement.ended.v1",
        "tsunagu.partners.agreement.expired.v1",
        "tsunagu.partners.session_participation.registered.v1",
        "tsunagu.partners.session_participation.withdrawn.v1",
        "tsunagu.training.training.completed.v1",
        "tsunagu.training.certificate.expiring.v1",
        "tsunagu.training.certificate.expired.v1",
        "tsunagu.training.certificate.revoked.v1",
        "tsunagu.intake.session_signup.requested.v1",
    ),
    "partners": (
        "tsunagu.intake.person.erased.v1",
        "tsunagu.scheduling.session.scheduled.v1",
        "tsunagu.scheduling.session.partner_removed.v1",
        "tsunagu.subsidy.application.applied.v1",
        "tsunagu.subsidy.application.reviewed.v1",
        "tsunagu.subsidy.application.approved.v1",
        "tsunagu.subsidy.application.refused.v1",
        "tsunagu.subsidy.application.change_requested.v1",
        "tsunagu.subsidy.application.changed.v1",
        "tsunagu.subsidy.application.withdrawn.v1",
        "tsunagu.subsidy.application.report_submitted.v1",
        "tsunagu.subsidy.application.amount_confirmed.v1",
        "tsunagu.subsidy.application.paid.v1",
        "tsunagu.subsidy.application.refund_claimed.v1",
        "tsunagu.training.training.completed.v1",
        "tsunagu.training.certificate.expiring.v1",
        "tsunagu.training.certificate.expired.v1",
        "tsunagu.training.certificate.revoked.v1",
    ),
    "subsidy": (),
    "training": (),
}
"""Every service and the event types it consumes: one durable consumer per pair.

A mirror of what the services subscribe to in code (each service's ``build_runtime`` hands its
``Subscription`` list to the runtime). The CLI must not import the services, so the list is
kept here as data; ``tests/deploy`` checks that it equals the subscriptions of every installed
service and that each service's permissions in ``deploy/nats/nats-server.conf`` allow exactly
these consumers. Adding a subscription to a service means adding it here and adding its subjects
(``tsunagu consumers list --subjects``) to the service's permission block in one change.
"""

DEFAULT_POLICY = ConsumerPolicy()
"""The kit's defaults; a service's ``ack_wait`` setting must not exceed the consumer's."""


@dataclass(frozen=True, slots=True)
class PlannedConsumer:
    service: str
    event_type: str
    stream: str
    name: str

    def config(self, policy: ConsumerPolicy = DEFAULT_POLICY) -> ConsumerConfig:
        """The configuration the service kit gives this consumer (``consumer_config``)."""
        return consumer_config(self.service, self.event_type, policy)


@dataclass(slots=True)
class AppliedConsumer:
    consumer: PlannedConsumer
    action: str
    """``created``, ``updated``, ``unchanged`` or ``failed``."""
    changes: list[str] = field(default_factory=list)
    error: str = ""


@dataclass(frozen=True, slots=True)
class ConsumerRow:
    consumer: PlannedConsumer
    exists: bool
    num_pending: int | None = None
    num_ack_pending: int | None = None
    num_redelivered: int | None = None


@dataclass(slots=True)
class ConsumerListing:
    rows: list[ConsumerRow]
    unplanned: list[str]
    """``STREAM.consumer`` of durable consumers on the planned streams that no service pulls from."""


def planned_consumers(
    subscriptions: dict[str, tuple[str, ...]] = SUBSCRIPTIONS,
) -> list[PlannedConsumer]:
    """One consumer per (service, event type), sorted by service, then event type as listed."""
    return [
        PlannedConsumer(
            service, event_type, EventType.parse(event_type).stream, consumer_name(service, event_type)
        )
        for service, event_types in sorted(subscriptions.items())
        for event_type in event_types
    ]


def publish_permissions(service: str, subscriptions: dict[str, tuple[str, ...]] = SUBSCRIPTIONS) -> list[str]:
    """The subjects ``service`` may publish to under the production permissions, sorted."""
    allowed = {f"tsunagu.{service}.>", f"$JS.API.STREAM.INFO.{stream_name(service)}"}
    for planned in planned_consumers({service: subscriptions.get(service, ())}):
        stream, name = planned.stream, planned.name
        allowed |= {
            f"$JS.API.STREAM.INFO.{stream}",
            # The dead-letter stream's fullness, in the service's metrics (it publishes there).
            f"$JS.API.STREAM.INFO.{DLQ_STREAM.name}",
            f"$JS.API.CONSUMER.INFO.{stream}.{name}",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{name}",
            f"$JS.ACK.{stream}.{name}.>",
            dlq_subject(name),
        }
    return sorted(allowed)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _differences(current: ConsumerConfig, wanted: ConsumerConfig) -> list[str]:
    """Fields the kit sets (all that ``consumer_config`` gives a value) that differ on the broker."""
    changed = []
    for f in dataclasses.fields(wanted):
        want = getattr(wanted, f.name)
        if want is None or f.name in ("name", "durable_name"):
            continue
        have = getattr(current, f.name, None)
        if isinstance(want, float) and isinstance(have, (int, float)):
            if abs(have - want) > 1e-3:
                changed.append(f.name)
        elif _plain(have) != _plain(want):
            changed.append(f.name)
    # A push consumer of the same name is not what a service pulls from.
    if current.deliver_subject:
        changed.append("deliver_subject")
    return changed


async def _check_streams(js: JetStreamContext, plan: list[PlannedConsumer]) -> None:
    missing = []
    for stream in sorted({p.stream for p in plan}):
        try:
            await js.stream_info(stream)
        except nats.js.errors.NotFoundError:
            missing.append(stream)
    if missing:
        raise CliError(
            f"stream{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found on the broker: "
            "create the streams first with `tsunagu streams apply`"
        )


async def apply_consumers(
    js: JetStreamContext,
    policy: ConsumerPolicy = DEFAULT_POLICY,
    subscriptions: dict[str, tuple[str, ...]] = SUBSCRIPTIONS,
) -> list[AppliedConsumer]:
    """Create or update every planned consumer with the kit's configuration; say what changed.

    Idempotent: a consumer already configured as wanted is left alone (``unchanged``). A consumer
    the broker refuses to update (a field it cannot change on an existing consumer) is reported
    ``failed`` with the broker's reason; the others are applied all the same.
    """
    plan = planned_consumers(subscriptions)
    await _check_streams(js, plan)
    applied: list[AppliedConsumer] = []
    for planned in plan:
        wanted = planned.config(policy)
        try:
            info = await js.consumer_info(planned.stream, planned.name)
        except nats.js.errors.NotFoundError:
            result = AppliedConsumer(planned, "created")
        else:
            changes = _differences(info.config, wanted)
            result = AppliedConsumer(planned, "updated" if changes else "unchanged", changes)
        if result.action != "unchanged":
            try:
                await js.add_consumer(planned.stream, wanted)
            except (nats.js.errors.BadRequestError, nats.js.errors.ServerError) as exc:
                # e.g. "deliver policy can not be updated" (500): one consumer, not the whole apply.
                result.action, result.error = "failed", exc.description or type(exc).__name__
        applied.append(result)
    return applied


async def list_consumers(
    js: JetStreamContext, subscriptions: dict[str, tuple[str, ...]] = SUBSCRIPTIONS
) -> ConsumerListing:
    """Every planned consumer and its state on the broker, plus durable consumers nobody plans."""
    plan = planned_consumers(subscriptions)
    await _check_streams(js, plan)
    rows = []
    for planned in plan:
        try:
            info = await js.consumer_info(planned.stream, planned.name)
        except nats.js.errors.NotFoundError:
            rows.append(ConsumerRow(planned, exists=False))
            continue
        rows.append(
            ConsumerRow(
                planned,
                exists=True,
                num_pending=info.num_pending or 0,
                num_ack_pending=info.num_ack_pending or 0,
                num_redelivered=info.num_redelivered or 0,
            )
        )
    known = {(p.stream, p.name) for p in plan}
    unplanned = []
    for stream in sorted({p.stream for p in plan}):
        for info in await js.consumers_info(stream):
            durable = info.config.durable_name
            if durable and (stream, durable) not in known:
                unplanned.append(f"{stream}.{durable}")
    return ConsumerListing(rows, sorted(unplanned))


# -- Typer glue helpers ----------------------------------------------------------------------------


async def consumers_apply_command(nats_url: str, policy: ConsumerPolicy) -> list[AppliedConsumer]:
    async with connect(nats_url) as (_nc, js):
        applied = await apply_consumers(js, policy)
    styles = {"created": "green", "updated": "yellow", "unchanged": "dim", "failed": "bold red"}
    for a in applied:
        c = a.consumer
        detail = f" ({', '.join(a.changes)})" if a.changes else ""
        if a.error:
            detail += f": {escape(a.error)}"
        console.print(
            f"[{styles[a.action]}]{a.action:>9}[/]  {c.stream}.{c.name}  "
            f"[dim]{c.service} ← {c.event_type}[/]{detail}",
            soft_wrap=True,
        )
    counts = {k: sum(1 for a in applied if a.action == k) for k in styles}
    console.print(
        f"{len(applied)} consumers applied on {display_url(nats_url)}: "
        f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
        + (f", {counts['failed']} failed." if counts["failed"] else "."),
        soft_wrap=True,
    )
    if counts["failed"]:
        raise CliError(
            f"{counts['failed']} consumer(s) could not be updated in place; delete them as the admin user "
            "and apply again (a new consumer starts at the beginning of its stream: the services drop "
            "what they already processed in their inbox)"
        )
    return applied


async def consumers_list_command(nats_url: str) -> ConsumerListing:
    async with connect(nats_url) as (_nc, js):
        listing = await list_consumers(js)
    table = Table(title=f"Consumers on {display_url(nats_url)}")
    table.add_column("service", style="bold")
    table.add_column("event type")
    table.add_column("stream")
    table.add_column("consumer")
    table.add_column("exists")
    table.add_column("pending", justify="right")
    table.add_column("ack pending", justify="right")
    table.add_column("redelivered", justify="right")
    for r in listing.rows:
        c = r.consumer
        numbers = (
            [f"{r.num_pending:,}", f"{r.num_ack_pending:,}", f"{r.num_redelivered:,}"]
            if r.exists
            else ["-", "-", "-"]
        )
        table.add_row(
            c.service, c.event_type, c.stream, c.name, "yes" if r.exists else "[red]missing[/]", *numbers
        )
    console.print(table)
    missing = sum(1 for r in listing.rows if not r.exists)
    if missing:
        console.print(f"[yellow]{missing} missing:[/] create them with `tsunagu consumers apply`.")
    if listing.unplanned:
        console.print(
            "[yellow]Durable consumers no service pulls from[/] (a removed subscription?): "
            + ", ".join(listing.unplanned),
            soft_wrap=True,
        )
    return listing


def consumers_subjects_command() -> None:
    """What each service's block in nats-server.conf allows, from the plan (no broker needed)."""
    for service in sorted(SUBSCRIPTIONS):
        console.print(f"[bold]{service}[/]")
        for subject in publish_permissions(service):
            console.print(f"  publish    {subject}", soft_wrap=True)
        console.print(f"  subscribe  {inbox_prefix(service)}.>", soft_wrap=True)
