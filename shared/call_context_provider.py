"""Hands every worker its call context, read from nameko's context data (message headers).

Services read who is calling through `self.ctx`, never from raw headers. The provider also
publishes the context to `shared.call_context.current` for the worker's logs and metrics,
and gives work that started without one (a timer) a request id of its own.
"""

from __future__ import annotations

import contextlib
import uuid
import weakref
from dataclasses import replace
from typing import Any

from nameko.extensions import DependencyProvider

from shared.call_context import CallContext, current

_READ_KEY = "_bureau_call_context"


def worker_call_context(worker_ctx: Any) -> CallContext:
    """The worker's call context, read from its headers once (the context and database
    providers and the logs all ask); work without a request id gets one here."""
    ctx: CallContext | None = getattr(worker_ctx, _READ_KEY, None)
    if ctx is None:
        ctx = CallContext.from_wire(worker_ctx.context_data)
        if ctx.request_id is None:
            ctx = replace(ctx, request_id=str(uuid.uuid4()))
            worker_ctx.context_data["request_id"] = ctx.request_id
        setattr(worker_ctx, _READ_KEY, ctx)
    return ctx


class CallContextProvider(DependencyProvider):
    def setup(self) -> None:
        self._tokens: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def get_dependency(self, worker_ctx: Any) -> CallContext:
        return worker_call_context(worker_ctx)

    def worker_setup(self, worker_ctx: Any) -> None:
        self._tokens[worker_ctx] = current.set(worker_call_context(worker_ctx))

    def worker_teardown(self, worker_ctx: Any) -> None:
        token = self._tokens.pop(worker_ctx, None)
        if token is not None:
            with contextlib.suppress(ValueError):  # set in another greenlet's context
                current.reset(token)
