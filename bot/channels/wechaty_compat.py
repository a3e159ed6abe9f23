"""Make python-wechaty 0.10.7 importable on Python 3.11; import this module, then wechaty inside `importing()`.

Three things break `import wechaty` on 3.11 (shared/PROTOCOLS.md B.2). requirements.txt pins pyee<12 and urllib3<2,
which fixes the first two; the fallbacks below keep it importable if those pins are ever lifted. The third, an
unhashable dataclass default in `WechatyOptions`, no pin can fix.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pyee
import urllib3
from pyee.asyncio import AsyncIOEventEmitter

# 1. wechaty, wechaty-puppet and the service do `from pyee import AsyncIOEventEmitter`: pyee >= 12 dropped that name
#    and pyee 9-11 keep it as a subclass that warns on every Contact, Room and client created. Both want the class
#    from pyee.asyncio.
pyee.AsyncIOEventEmitter = AsyncIOEventEmitter

# 2. urllib3 >= 2 dropped get_host, imported by wechaty/user/url_link.py.
if not hasattr(urllib3, "get_host"):
    from urllib3.util import parse_url

    def _get_host(url: str) -> tuple[str, str | None, int | None]:
        parts = parse_url(url)
        return parts.scheme or "http", parts.hostname, parts.port

    urllib3.get_host = _get_host

# 3. Python 3.11's dataclasses reject an unhashable default, and WechatyOptions has
#    `puppet_options: PuppetOptions = PuppetOptions()` (an eq=True dataclass, so __hash__ is None). Restoring
#    identity hashing brings back the <=3.10 behaviour: one *shared* default, so always pass a fresh PuppetOptions().
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import wechaty_puppet.schemas.puppet as _puppet_schema

if getattr(_puppet_schema.PuppetOptions, "__hash__", None) is None:
    _puppet_schema.PuppetOptions.__hash__ = object.__hash__


@contextmanager
def importing() -> Iterator[None]:
    """Wrap the first `import wechaty`: no deprecation noise, and its cache directory kept out of the working tree.

    wechaty creates `$CACHE_DIR` (default `./.wechaty`) while it is imported, to name a scheduler job store we never
    use. Unless the operator chose a CACHE_DIR, point it at the temp directory for the import only.
    """
    chosen = "CACHE_DIR" in os.environ
    if not chosen:
        os.environ["CACHE_DIR"] = os.path.join(tempfile.gettempdir(), "wechaty-cache")
    try:
        with warnings.catch_warnings():
            # telnetlib is deprecated (removed in 3.13, so this stack is capped at Python 3.12).
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        if not chosen:
            os.environ.pop("CACHE_DIR", None)
