"""Whether a re-check is running: ``cli.since`` sets it, ``cli.ask`` reads it. Kept apart so that
an ordinary ask (most runs) never imports the re-check's code."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

#: The running ``since.Recheck``, or None.
ACTIVE: ContextVar[Any] = ContextVar("spinetriage_recheck", default=None)
