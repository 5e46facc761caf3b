"""The assay operations' handlers, v1 (`sandbox.assays_v1`) and v2 (`sandbox.assays_v2`), as the
app collects them: one `HANDLERS` mapping of operationId to handler."""

from __future__ import annotations

from aiohttp.typedefs import Handler

from sandbox import assays_v1, assays_v2

HANDLERS: dict[str, Handler] = {**assays_v1.HANDLERS, **assays_v2.HANDLERS}
