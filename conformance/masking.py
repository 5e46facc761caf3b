"""Secrets out of everything a run prints or writes: curl commands, messages, reports.

Every secret value the run holds is replaced wherever it appears; on top of that, any
`Authorization`-like header value and any JSON member whose name says secret (password, token,
api key, client secret) is replaced, whoever's secret it is. The replacement is `***`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
_HEADER = re.compile(
    r"(?P<name>(?:authorization|proxy-authorization|x-gateway-key|x-api-key|api-key|cookie)\s*:\s*)"
    r"(?P<value>[^'\"\n\\]*)",
    re.IGNORECASE,
)
_JSON_MEMBER = re.compile(
    r"(?P<name>\"[A-Za-z_]*(?:password|secret|token|api_?key|apikey)[A-Za-z_]*\"\s*:\s*)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|[^,}\s]+)",
    re.IGNORECASE,
)
_SCHEMATHESIS_FILTERED = "[Filtered]"


class Masker:
    """Masks the given secret values, plus secret-looking headers and JSON members."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = text.replace(_SCHEMATHESIS_FILTERED, MASK)
        text = _HEADER.sub(lambda m: m["name"] + MASK, text)
        return _JSON_MEMBER.sub(lambda m: m["name"] + (f'"{MASK}"' if m["value"][0] == '"' else MASK), text)
