"""Loaded inside the ``ipt-nb app`` Voila server: who may start a kernel by loading the page.

Loopback is shared by every page a browser has open. The login cookie that
Jupyter sets after the token is sent with any request to 127.0.0.1, whatever
the port of the page that makes it (browsers treat ports as one site), so a page
served from another local port could load the app blind with
``fetch(url, {mode: "no-cors", credentials: "include"})`` and start a kernel on
each call. A page load therefore starts a kernel only when the request itself
carries the token (the printed and opened address does; a reload keeps it).

The same hook sets Jupyter's ``_xsrf`` cookie, which Voila's page reads when it
closes to ask for its kernel's shutdown: without it that request is refused and
the kernel lives on until it is culled.
"""

from __future__ import annotations

from typing import Any

from tornado.web import HTTPError

REFUSAL = "open the app at the address ipt-nb app printed: it carries the token"


def launch_only_with_token(handler: Any, notebook: Any = None, cwd: str | None = None) -> Any:
    """Voila's ``prelaunch_hook``: refuse (403) a page load without the token; else set the XSRF cookie."""
    if not handler.token_authenticated:
        raise HTTPError(403, reason=REFUSAL)
    handler.xsrf_token  # noqa: B018  (reading it sets the cookie on this response)
    return notebook


CONFIG = (
    "from ipt_nb._page_guard import launch_only_with_token\n"
    "c.VoilaConfiguration.prelaunch_hook = launch_only_with_token\n"
)
"""The ``voila.py`` that ``ipt-nb app`` writes into the server's config folder (a callable cannot
be given on a command line)."""
