"""Durable event consumers: parse, inbox, effect, commit, ack — one transaction per fetched batch.

Failure policy (architecture §4, ADR 0001):
- a message that cannot be valid (bad JSON, unknown type or version, invalid data) is
  dead-lettered and terminated on first delivery;
- a handler that raises is retried with a growing delay (``nak`` with delay, never a bare nak).
  The budget counts *failures*, recorded per event in their own transaction: at the
  ``max_failures``-th the message is dead-lettered and terminated. A redelivery that no failure
  caused (AckWait, a restart, a stop, an outage) spends nothing;
- a lost race (deadlock, serialization failure, a locked SQLite file) is not a failure: the
  transaction is run again in place, a few times, then the message handed back unspent;
- the database out of reach is not the message's fault either: the batch is held, the database
  probed with a growing delay, and the batch processed once it answers;
- deliveries are bounded too, far above the failure budget (``delivery_limit``), for a message
  that kills its process before a failure can be recorded. Past it the inbox decides first: a
  message whose effect is committed is acked as a duplicate, never dead-lettered;
- a batch that fails is retried message by message, so one poison message does not hold back
  the good ones around it;
- a dead letter retried for another consumer (``Tsunagu-Dlq-Retry-For``) is acknowledged unread.
Every message from arrival to settlement is kept alive with ``in_progress`` by the pull loop, and
prefetch is bounded to one batch, so none runs out of AckWait in our hands. A committed batch's acks
go out while the next batch's transaction runs. A stop ends the pull requests first, hands back
what was not started, gives the batch in hand ``stop_grace`` to finish and hands it back with a
delay if it does not, and lets committed batches finish acking.
Nothing is acked before its effect is committed; nothing is dropped without a dead letter.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace
from sqlalchemy import Engine
from sqlmodel import Session
from tsunagu_contracts import (
    REGISTRY,
    CloudEvent,
    EventData,
    EventParseError,
    EventType,
    MalformedEventError,
    Registry,
)

from ..db import is_disconnect, is_transient_conflict, is_unavailable_error, ping, without_ping
from ..logging import get_logger
from ..metrics import DEAD_LETTERS, HANDLER_SECONDS, MESSAGES_CONSUMED
from ..telemetry import extract_context, get_tracer
from ..unit_of_work import UnitOfWork, UnitOfWorkFactory
from .backoff import backoff_delay
from .deadletter import H_RETRY_FOR, publish_dead_letter
from .inbox import already_processed, claim, forget_failures, record_failure
from .pull import PullLoop
from .startup import ConsumerMissingError as ConsumerMissingError  # re-exported: its home before
from .startup import PermissionRefusals, until_answered

log = get_logger(__name__)

C = TypeVar("C")
D = TypeVar("D", bound=EventData)

Handler = Callable[[C, UnitOfWork, CloudEvent[D]], None]
"""A use case run for one event inside the consumer's transaction: ``(context, uow, event)``.

It must not commit. Events it emits on ``uow`` are caused by ``event``.
"""


def consumer_name(service: str, event_type: str, registry: Registry = REGISTRY) -> str:
    """``scheduling`` + ``tsunagu.intake.case.escalated.v1`` -> ``scheduling-intake-case-escalated-v1``.

    A subscription to a later version that reads earlier ones through upcasters keeps the name of
    the earliest it reads (``registry.readable_as``): the durable a service pulled v1 from goes on
    as the one it pulls v1 and v2 from, with its position in the stream, its inbox keys and the
    operators' permissions (ADR 0015).
    """
    et = EventType.parse(registry.readable_as(event_type)[0])
    return f"{service}-{et.producer}-{et.entity}-{et.action}-v{et.version}"


@dataclass(frozen=True)
class Subscription(Generic[C, D]):
    """A service's handler for one event type (one durable consumer, shared by its replicas).

    Built with :func:`subscribe`, which ties the handler's type to the event's data class.
    """

    data_type: type[D]
    handler: Callable[[C, UnitOfWork, CloudEvent[D]], None]

    @property
    def event_type(self) -> str:
        return self.data_type.event_type.name


def subscribe(
    data_type: type[D], handler: Callable[[C, UnitOfWork, CloudEvent[D]], None]
) -> Subscription[C, D]:
    """``subscribe(CaseEscalated, reviews.on_case_escalated)``: the handler receives a validated
    ``CloudEvent[CaseEscalated]`` (a message whose data is of another class is dead-lettered)."""
    return Subscription(data_type, handler)


class UnexpectedDataError(EventParseError):
    """The event's data is not of the class the subscription was made for."""


class Outcome(Enum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    RETRY = "retried"
    DEAD = "dead_lettered"
    UNAVAILABLE = "unavailable"
    OTHERS_RETRY = "others_retry"
    """A dead letter retried for another consumer: acknowledged, not handled."""


@dataclass(slots=True)
class _Item:
    msg: Msg
    attempts: int
    """Deliveries so far, this one included (the broker's count)."""
    failures: int = 0
    """Handler failures recorded so far, this delivery's included."""
    event: CloudEvent[Any] | None = None
    outcome: Outcome | None = None
    error: str = ""


@dataclass(frozen=True)
class ConsumerPolicy:
    max_failures: int = 5
    """Handler failures of one message before it is dead-lettered."""
    delivery_limit: int = 50
    """Deliveries of one message before it is dead-lettered unprocessed (a message that kills its
    process each time never records a failure)."""
    retry_base: float = 1.0
    retry_cap: float = 60.0
    ack_wait: float = 30.0
    batch: int = 100
    manage: bool = True
    """Create the durable on start; off where the operator owns consumers (production permissions)."""
    stop_grace: float = 10.0
    """How long a stop lets the batch in hand finish before handing it back."""
    conflict_retries: int = 5
    """Runs of a transaction that lost a race (deadlock, serialization failure) before handing back."""
    missing_wait: float = 0.0
    """Where the operator owns consumers: how long start waits for a missing durable (the operator's
    job may be running at the same moment) before it fails with :class:`ConsumerMissingError`."""


def consumer_config(
    service: str, event_type: str, policy: ConsumerPolicy = ConsumerPolicy(), registry: Registry = REGISTRY
) -> ConsumerConfig:
    """The durable a service pulls ``event_type`` from: one definition for the kit and for operators.

    It filters the subjects of every version the subscription reads (the earlier ones through
    their upcasters), so they arrive in the order the stream holds them.
    """
    subjects = registry.readable_as(event_type)
    return ConsumerConfig(
        durable_name=consumer_name(service, event_type, registry),
        description=f"{service} consumes {event_type}",
        filter_subject=subjects[0] if len(subjects) == 1 else None,
        filter_subjects=list(subjects) if len(subjects) > 1 else None,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=policy.ack_wait,
        # Unlimited on the server: the bound is ours, so a message that reaches it is always
        # dead-lettered, never left behind with only an advisory (ADR 0001).
        max_deliver=-1,
        max_ack_pending=max(1000, policy.batch * 10),
    )


def _deliveries(msg: Msg) -> int:
    """How many times the broker has delivered ``msg``, this time included.

    Read from the reply subject (``$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer
    seq>.<time>.<pending>``) as nats-py's ``metadata`` reads it, without building the rest (a
    timestamp, sequence pairs) for every message; any other form goes to nats-py."""
    tokens = (msg.reply or "").split(".")
    if len(tokens) == 9 and tokens[0] == "$JS" and tokens[1] == "ACK":
        return int(tokens[4])
    return msg.metadata.num_delivered


def _sampled(headers: dict[str, str] | None) -> bool:
    # Only continue traces the producer sampled: a span per message halves throughput.
    tp = headers.get("traceparent") if headers else None
    if not tp or len(tp) < 2:
        return False
    try:
        return bool(int(tp[-2:], 16) & 0x01)  # trace-flags: bit 0 is "sampled"
    except ValueError:
        return False


class EventConsumer(Generic[C]):
    """One durable pull consumer running one handler, batch by batch."""

    def __init__(
        self,
        *,
        service: str,
        subscription: Subscription[C, Any],
        context: C,
        engine: Engine,
        uow_factory: UnitOfWorkFactory,
        nc: Client | None = None,
        js: JetStreamContext | None = None,
        policy: ConsumerPolicy = ConsumerPolicy(),
        registry: Registry = REGISTRY,
        refusals: PermissionRefusals | None = None,
    ) -> None:
        self.service = service
        self.subscription = subscription
        self.context = context
        self.name = consumer_name(service, subscription.event_type, registry)
        self.stream = EventType.parse(subscription.event_type).stream
        self._engine = engine
        self._uow_factory = uow_factory
        self._nc = nc
        self._js = js
        self.policy = policy
        self._registry = registry
        self._event_type = subscription.event_type
        self._readable = frozenset(registry.readable_as(self._event_type))
        self._refusals = refusals
        self._tracer = get_tracer("tsunagu.consumer")
        self._pull: PullLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._current: asyncio.Task[None] | None = None
        self._settling: set[asyncio.Task[None]] = set()
        self.processed = 0

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("the consumer has no broker (built for run_transaction only)")
        return self._js

    # -- lifecycle --------------------------------------------------------------------------
    async def ensure(self) -> None:
        """Create (or update) the durable consumer, or, where the operator owns consumers, check it exists."""
        if self.policy.manage:
            await self.js.add_consumer(
                self.stream,
                consumer_config(self.service, self.subscription.event_type, self.policy, self._registry),
            )
            return
        try:
            await self.js.consumer_info(self.stream, self.name)
        except NotFoundError:
            raise ConsumerMissingError(
                f"consumer {self.name} on {self.stream} does not exist; "
                "the operator creates it with 'tsunagu consumers apply'"
            ) from None

    async def start(self) -> None:
        """Ensure the durable, waiting out a broker that does not answer yet (and, where the operator
        owns consumers, a missing durable for ``policy.missing_wait``), then start pulling."""
        await until_answered(
            f"consumer {self.name}",
            self.ensure,
            refusals=self._refusals,
            missing_wait=0.0 if self.policy.manage else self.policy.missing_wait,
        )
        if self._nc is None:
            raise RuntimeError("the consumer has no broker (built for run_transaction only)")
        self._pull = PullLoop(
            self._nc,
            stream=self.stream,
            durable=self.name,
            batch=self.policy.batch,
            keepalive=self.policy.ack_wait / 3,
        )
        await self._pull.start()
        # The loop gets its pull loop now: stop() clears self._pull, maybe before the task first runs.
        self._task = asyncio.create_task(self._work(self._pull), name=f"consumer:{self.name}")

    async def stop(self) -> None:
        """End the pull requests, hand back what was not started, let the batch in hand finish
        (or hand it back after ``stop_grace``), let committed batches finish settling, then stop
        keeping messages alive."""
        pull, self._pull = self._pull, None
        if pull is not None:
            await pull.stop()
            # Not started: another replica takes these at once (our requests are closed).
            for msg in pull.take_all():
                try:
                    await msg.nak()
                except Exception:
                    pass
                pull.release(msg)
        if self._task is not None:
            current = self._current
            if current is not None and not current.done():
                await asyncio.wait({current}, timeout=self.policy.stop_grace)
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._settling:
            # Committed batches whose acks are on their way: nothing left but sending them.
            await asyncio.wait(set(self._settling), timeout=self.policy.stop_grace)
        if pull is not None:
            await pull.close()

    # -- the loop ---------------------------------------------------------------------------
    async def _work(self, pull: PullLoop) -> None:
        while True:
            batch = await pull.take(self.policy.batch)
            pull.wake()  # room for the next batch while this one is processed
            self._current = asyncio.create_task(
                self._process(batch, pull, settle_later=True), name=f"batch:{self.name}"
            )
            try:
                await asyncio.shield(self._current)
            except asyncio.CancelledError:
                # Stopped past the grace: the worker thread may still commit, so the batch comes
                # back after a delay, and the inbox sees any effect that did land as a duplicate.
                self._current.cancel()
                await self._hand_back(pull, batch, delay=self.policy.retry_base)
                raise
            except Exception as exc:  # a bug in the loop itself: never ack, let them come back
                log.error("consumer batch failed", consumer=self.name, error=type(exc).__name__)
                await self._hand_back(pull, batch, delay=self.policy.retry_base)
            finally:
                self._current = None

    async def _hand_back(self, pull: PullLoop, msgs: list[Msg], *, delay: float) -> None:
        for msg in msgs:
            try:
                await msg.nak(delay=delay)
            except Exception:  # disconnected: it comes back after AckWait
                pass
            pull.release(msg)

    async def process(self, msgs: list[Msg]) -> None:
        """Process a batch of delivered messages to the end: each acked, naked or dead-lettered."""
        await self._process(msgs, self._pull, settle_later=False)

    async def _process(self, msgs: list[Msg], pull: PullLoop | None, *, settle_later: bool) -> None:
        """``settle_later``: once the batch has its verdicts, its acks go out in a task of their own
        while the loop starts the next batch's transaction. The worker thread then spends the
        event loop's settling time in the database (where it holds no GIL) instead of waiting for
        it: a batch's acks were a tenth of its time, in series with everything else."""
        items = [_Item(msg=m, attempts=_deliveries(m)) for m in msgs]
        unavailable_for = 0
        while True:
            started = time.perf_counter()
            await asyncio.to_thread(self._process_sync, items)
            HANDLER_SECONDS.labels(consumer=self.name).observe(time.perf_counter() - started)
            waiting = [i for i in items if i.outcome is Outcome.UNAVAILABLE]
            decided = [i for i in items if i.outcome is not Outcome.UNAVAILABLE]
            if settle_later and not waiting:
                task = asyncio.create_task(self._settle_or_hand_back(pull, decided))
                self._settling.add(task)
                task.add_done_callback(self._settling.discard)
                return
            await self._settle(decided, pull)
            if not waiting:
                return
            unavailable_for += 1
            items = waiting
            for item in items:
                item.outcome = None
            await self._wait_for_database(items, unavailable_for)

    # -- synchronous part (worker thread) ---------------------------------------------------
    def _process_sync(self, items: list[_Item]) -> None:
        todo: list[_Item] = []
        past_bound: list[_Item] = []
        for item in items:
            if item.outcome is not None:
                continue
            retry_for = (item.msg.headers or {}).get(H_RETRY_FOR)
            if retry_for is not None and retry_for != self.name:
                item.outcome = Outcome.OTHERS_RETRY
                continue
            if item.event is None:
                try:
                    item.event = self.parse(item.msg.data)
                except EventParseError as exc:
                    item.outcome, item.error = Outcome.DEAD, type(exc).__name__
                    continue
            (past_bound if item.attempts > self.policy.delivery_limit else todo).append(item)
        if past_bound:
            self._settle_past_bound(past_bound)
        if not todo:
            return
        try:
            self._transaction(todo)
            return
        except Exception as exc:
            if is_unavailable_error(exc) and not self._database_answers():
                for item in todo:
                    item.outcome = Outcome.UNAVAILABLE
                return
            if len(todo) == 1:
                self._failed(todo[0], exc)
                return
        # Isolate the failure: one transaction per message.
        for n, item in enumerate(todo):
            try:
                self._transaction([item])
            except Exception as exc:
                if is_unavailable_error(exc) and not self._database_answers():
                    for rest in todo[n:]:
                        rest.outcome = Outcome.UNAVAILABLE
                    return
                self._failed(item, exc)

    def _settle_past_bound(self, items: list[_Item]) -> None:
        """Delivered past the bound without a verdict (a process died mid-way, or an ack was lost).
        The inbox decides first: a message whose effect is committed is a duplicate, acked; only
        one without an effect is dead-lettered, its handler not run again."""
        try:
            done = already_processed(self._engine, self.name, [i.event.id for i in items if i.event])
        except Exception as exc:
            if is_unavailable_error(exc) and not self._database_answers():
                for item in items:
                    item.outcome = Outcome.UNAVAILABLE
                return
            raise
        for item in items:
            assert item.event is not None
            if item.event.id in done:
                item.outcome = Outcome.DUPLICATE
            else:
                item.outcome, item.error = Outcome.DEAD, "DeliveryLimitExceeded"

    def _failed(self, item: _Item, exc: BaseException) -> None:
        """The handler failed on ``item`` alone: count the failure, and retry or dead-letter."""
        item.error = type(exc).__name__
        if is_transient_conflict(exc):
            # Lost a race again and again: hand it back, unspent, to meet other company.
            item.outcome = Outcome.RETRY
            return
        assert item.event is not None
        try:
            item.failures = record_failure(self._engine, self.name, item.event.id, item.error)
        except Exception as record_exc:
            if is_unavailable_error(record_exc) and not self._database_answers():
                item.outcome = Outcome.UNAVAILABLE
                return
            raise
        item.outcome = Outcome.DEAD if item.failures >= self.policy.max_failures else Outcome.RETRY

    def _database_answers(self) -> bool:
        try:
            ping(self._engine)
        except Exception:
            return False
        return True

    def parse(self, payload: bytes) -> CloudEvent[Any]:
        """The event in ``payload``, validated as the subscription's data class; an earlier version
        of it upcast (an :class:`EventParseError` when its upcaster cannot carry it)."""
        try:
            # The wire is UTF-8 (the content type says so): decoded here, JSON does not guess the
            # encoding of every message.
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedEventError("payload is not valid UTF-8") from None
        event = self.as_subscribed(self._registry.parse(text, expect=self._event_type))
        if not isinstance(event.data, self.subscription.data_type):
            raise UnexpectedDataError("the event's data is not of the subscribed class")
        return event

    def as_subscribed(self, event: CloudEvent[Any]) -> CloudEvent[Any]:
        """An event of an earlier version the subscription reads, upcast to the subscribed one;
        any other event as it is."""
        if event.type != self._event_type and event.type in self._readable:
            return self._registry.upcast(event, self._event_type)
        return event

    def run_transaction(
        self,
        events: Sequence[CloudEvent[Any]],
        headers: Sequence[dict[str, str] | None] = (),
        *,
        redelivered: Sequence[str] = (),
    ) -> list[bool]:
        """Claim ``events`` in the inbox and run the handler for each new one, in one transaction.

        Returns, per event, whether it was processed (False: a duplicate, which changes nothing).
        ``headers`` are the messages' headers, whose trace context the handler's span continues;
        ``redelivered`` the ids whose failure counts go with this commit.
        An exception rolls the whole transaction back. Tests deliver events through this too.
        """
        processed: list[bool] = []
        events = [self.as_subscribed(e) for e in events]  # events read elsewhere (a file, a test)
        with Session(self._engine, expire_on_commit=False) as session:
            uow = self._uow_factory(session=session)
            fresh = claim(session, self.name, [e.id for e in events])
            for n, event in enumerate(events):
                if event.id not in fresh:
                    processed.append(False)
                    continue
                fresh.discard(event.id)  # the same id twice in one batch: the second is a duplicate
                message_headers = headers[n] if n < len(headers) else None
                with uow.handling(event):
                    if _sampled(message_headers):
                        with self._tracer.start_as_current_span(
                            f"{event.type} process",
                            context=extract_context(message_headers),
                            kind=trace.SpanKind.CONSUMER,
                            attributes={
                                "messaging.system": "nats",
                                "messaging.operation.type": "process",
                                "messaging.destination.name": event.type,
                                "messaging.message.id": event.id,
                                "messaging.consumer.group.name": self.name,
                            },
                        ):
                            self.subscription.handler(self.context, uow, event)
                    else:
                        self.subscription.handler(self.context, uow, event)
                processed.append(True)
            forget_failures(session, self.name, redelivered)
            uow.flush_events()
            session.commit()
        uow.announce_committed()
        return processed

    def _transaction(self, items: list[_Item]) -> None:
        """Run the batch's transaction; a lost race (deadlock, serialization failure) runs it again
        in place after a short random pause, and is raised only when it keeps losing. So does a
        connection found dead (a database failover): the transaction's connection is not pinged
        first, a round trip saved on every batch, and it is not the messages' failure."""
        events = [i.event for i in items if i.event is not None]
        assert len(events) == len(items)
        # Only a redelivered message can have failures counted (the first delivery has none).
        redelivered = [i.event.id for i in items if i.event is not None and i.attempts > 1]
        for run in range(1, self.policy.conflict_retries + 1):
            try:
                with without_ping():
                    results = self.run_transaction(
                        events, [i.msg.headers for i in items], redelivered=redelivered
                    )
                break
            except Exception as exc:
                dead = is_disconnect(exc)
                if not (dead or is_transient_conflict(exc)) or run == self.policy.conflict_retries:
                    raise
                log.info(
                    "connection found dead; running the transaction again"
                    if dead
                    else "transaction lost a race; running it again",
                    consumer=self.name,
                    run=run,
                )
                time.sleep(random.uniform(0, 0.02 * 2**run))
        for item, processed in zip(items, results, strict=True):
            item.outcome = Outcome.PROCESSED if processed else Outcome.DUPLICATE

    # -- settling (event loop) --------------------------------------------------------------
    async def _settle_or_hand_back(self, pull: PullLoop | None, items: list[_Item]) -> None:
        try:
            await self._settle(items, pull)
        except Exception as exc:  # a bug in settling: never leave a message held and unsettled
            log.error("consumer settling failed", consumer=self.name, error=type(exc).__name__)
            if pull is not None:
                # An ack already sent stands: the broker ignores a later nak of the same delivery.
                await self._hand_back(pull, [i.msg for i in items], delay=self.policy.retry_base)

    async def _settle(self, items: list[_Item], pull: PullLoop | None = None) -> None:
        counts: dict[Outcome, int] = {}
        for item in items:
            outcome = item.outcome
            assert outcome is not None
            if outcome in (Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.OTHERS_RETRY):
                await item.msg.ack()
            elif outcome is Outcome.RETRY:
                delay = backoff_delay(
                    max(item.failures, 1), base=self.policy.retry_base, cap=self.policy.retry_cap
                )
                log.warning(
                    "handler failed; will retry",
                    consumer=self.name,
                    error=item.error,
                    failures=item.failures,
                    delivery=item.attempts,
                    stream_seq=item.msg.metadata.sequence.stream,
                )
                await item.msg.nak(delay=delay)
            elif outcome is Outcome.DEAD:
                outcome = await self._dead_letter(item)
            if pull is not None:
                pull.release(item.msg)
            counts[outcome] = counts.get(outcome, 0) + 1
        for counted, n in counts.items():
            MESSAGES_CONSUMED.labels(consumer=self.name, outcome=counted.value).inc(n)
        self.processed += counts.get(Outcome.PROCESSED, 0)

    async def _dead_letter(self, item: _Item) -> Outcome:
        try:
            await publish_dead_letter(
                self.js, item.msg, consumer=self.name, error_class=item.error, failures=item.failures
            )
        except Exception as exc:
            log.warning(
                "dead-letter publish failed; will retry", consumer=self.name, error=type(exc).__name__
            )
            await item.msg.nak(delay=self.policy.retry_base)
            return Outcome.RETRY
        await item.msg.term()
        DEAD_LETTERS.labels(consumer=self.name, error_class=item.error).inc()
        log.error(
            "message dead-lettered",
            consumer=self.name,
            error=item.error,
            failures=item.failures,
            deliveries=item.attempts,
            stream_seq=item.msg.metadata.sequence.stream,
        )
        if item.failures and item.event is not None:
            # A later `dlq retry` starts with a fresh budget; pruning sweeps what this misses.
            try:
                await asyncio.to_thread(self._forget_failures, item.event.id)
            except Exception:
                pass
        return Outcome.DEAD

    def _forget_failures(self, event_id: str) -> None:
        with self._engine.begin() as conn:
            forget_failures(conn, self.name, [event_id])

    async def _wait_for_database(self, items: list[_Item], round_: int) -> None:
        """Hold the messages until the database answers again (the pull loop keeps them alive)."""
        log.warning("database unavailable; holding messages", consumer=self.name, held=len(items))
        attempt = 0
        while True:
            attempt += 1
            await asyncio.sleep(backoff_delay(attempt, base=0.2, cap=5.0))
            if await asyncio.to_thread(self._database_answers):
                log.info("database reachable again", consumer=self.name, after_rounds=round_)
                return
