"""The shape of a path no operation describes: what the drift report may say about it.

A forwarded undocumented call is reported by method and path shape, never by its path: segments
may carry ids, names or other request values. A segment is kept only when it is a literal segment
of some contract path (`api`, `pipelines`, `assays`) or a snake_case API verb of two to four
lowercase words (`get_topic_name`, `list_pipelines`), which names carry rarely; anything else (a
single word, digits, dashes, dots, capitals) becomes `{param}`. At most `MAX_SEGMENTS` segments
are shown, so the shapes are bounded by the contract's vocabulary and the report's row budget,
whatever clients send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.contract.model import PATH_PARAMETER

MAX_SEGMENTS = 12
PARAM = "{param}"
_API_WORD = re.compile(r"[a-z]{1,16}(?:_[a-z]{1,16}){1,3}")


class PathShaper:
    """Folds request paths into shapes, with the literal segments of the contract's paths."""

    def __init__(self, path_templates: Iterable[str]) -> None:
        self.vocabulary = frozenset(
            segment
            for template in path_templates
            for segment in template.split("/")
            if segment and not PATH_PARAMETER.search(segment)
        )

    def segment(self, segment: str) -> str:
        if segment in self.vocabulary or _API_WORD.fullmatch(segment):
            return segment
        return PARAM if segment else ""

    def shape(self, path: str) -> str:
        """`/v1/api/plateau/get_topic_name` stays; `/v1/logs/topic/wl-3f2a/records` becomes
        `/v1/logs/topic/{param}/records`."""
        segments = path.split("/")[1:]
        shown = [self.segment(s) for s in segments[:MAX_SEGMENTS]]
        if len(segments) > MAX_SEGMENTS:
            shown.append("...")
        return "/" + "/".join(shown)
