"""The workshop's Voila application (``python -m casestudy.serve``, which ``make workshop`` runs).

It is Voila 0.5 serving ``notebooks/`` with the kit's settings (``share/voila/voila.py``),
and three additions a room needs:

- **The glossary and the data notes open.** The lessons' links ``glossary.md#control-total`` and
  ``../data/README.md`` reach ``/voila/render/glossary.md`` and ``/voila/data/README.md``
  from a dashboard; Voila answers 403 and 404 there. ``MarkdownPageHandler`` answers with
  the files rendered as pages (``pages.py``).
- **A page closed gives its kernel back.** Voila's page asks the server to shut its kernel
  down when the page is closed, with the ``_xsrf`` cookie as proof, but Voila never sets that
  cookie, so every request was refused (403) and every page closed left its kernel running
  (45 kernels, 5.3 GiB, after one run through the lessons). The dashboard handler sets it.
- **A limit on pages open at once.** Beyond ``KitKernelManager.max_kernels`` a page is
  answered at once with a short page that says why and tries again by itself, instead of
  starting one more kernel (``kernels.py``).
"""

from __future__ import annotations

import atexit
import html
import sys
from pathlib import Path

import jinja2
import jinja2.bccache
import tornado.web
from jupyter_server.base.handlers import JupyterHandler
from traitlets import Bool
from voila.app import Voila
from voila.exporter import VoilaExporter
from voila.tornado.handler import TornadoVoilaHandler

from .forkserver import ForkServer, KernelStartError
from .kernels import KernelLimitReached
from .pages import PageCache, page_file

RETRY_S = 20  # how often a page refused for the limit asks again


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the server's life. Voila makes a new template
    environment for every page it renders, so without it each page compiled Voila's and
    nbconvert's templates again (about 16 of them: 0.1-0.3 s of the server's one thread per
    page). Jinja checks each entry against its template's source, so an edited template is
    compiled again."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = MemoryBytecodeCache()


def _cached_environment(create):
    def create_environment(self):
        environment = create(self)
        environment.bytecode_cache = TEMPLATE_CACHE
        return environment
    create_environment.kit_cached = True
    return create_environment


if not getattr(VoilaExporter._create_environment, "kit_cached", False):
    VoilaExporter._create_environment = _cached_environment(VoilaExporter._create_environment)


class KitVoilaHandler(TornadoVoilaHandler):
    """Voila's dashboard page, with the ``_xsrf`` cookie set and the kernel limit applied."""

    @tornado.web.authenticated
    async def get(self, path=None):
        # Sets the _xsrf cookie (tornado makes one on first use) that Voila's page sends back
        # when it is closed, asking the server to shut its kernel down.
        self.xsrf_token  # noqa: B018 - read for its side effect
        manager = self.kernel_manager
        reserve = getattr(manager, "reserve", None)
        reservation = reserve() if reserve else None
        if reserve and reservation is None:
            self.write_limit_page(manager.max_kernels)
            return
        token = manager.activate(reservation) if reservation else None
        try:
            await super().get(path)
        except KernelLimitReached:
            if self._headers_written:
                raise
            self.write_limit_page(manager.max_kernels)
        except KernelStartError:  # logged by the provisioner; the table is told, not left
            if self._headers_written:  # waiting on a page that will never run
                raise
            self.write_page(500, start_failed_page())
        finally:
            if reservation:
                manager.deactivate(token)
                reservation.release()

    def write_limit_page(self, limit: int) -> None:
        self.write_page(503, limit_page(limit, RETRY_S))

    def write_page(self, status: int, page: str) -> None:
        self.clear()
        self.set_status(status)
        self.set_header("Retry-After", str(RETRY_S))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page)


def start_failed_page(retry_s: int = RETRY_S) -> str:
    """The page a table sees when its page's kernel could not start (a port taken three
    times over, the machine out of processes): what happened and that it tries again.

    >>> page = start_failed_page()
    >>> "could not start" in page and 'http-equiv="refresh"' in page
    True
    """
    return _retry_page("This page could not start", retry_s, f"""\
<p>The laptop running this workshop could not start this page's copy of the model. This
page tries again by itself every {int(retry_s)} seconds; nothing you did is lost.</p>
<p>Facilitator: the server's terminal says why ("A page's kernel did not start").</p>
""")


def limit_page(limit: int, retry_s: int = RETRY_S) -> str:
    """The page a table sees when the laptop already runs as many pages as it may.

    >>> "12 pages" in limit_page(12) and 'http-equiv="refresh"' in limit_page(12)
    True
    """
    return _retry_page("The workshop is full for a moment", retry_s, f"""\
<p>The laptop running this workshop has {int(limit)} pages open already, as many as it can
run at once. Each open page keeps its own copy of the model in the laptop's memory.</p>
<p>Close any lesson tab you have finished with. This page tries again by itself every
{int(retry_s)} seconds; nothing you did is lost.</p>
<p>Facilitator: the limit is set when the server starts (<code>python -m casestudy.serve
--max-pages N</code>); pages closed give their place back at once, and pages left without a
browser are closed after a few minutes.</p>
""")


def _retry_page(title: str, retry_s: int, body: str) -> str:
    """A table's page that says ``title`` and ``body`` (HTML) and loads itself again every
    ``retry_s`` seconds."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{int(retry_s)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="icon" href="data:;base64,=">
<title>{title}</title>
<style>body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
  sans-serif; max-width: 720px; margin: 48px auto; padding: 0 24px; font-size: 19px;
  line-height: 1.5; color: #1a1a1a; }} h1 {{ font-size: 30px; font-weight: 600; }}</style>
</head><body><main>
<h1>{title}</h1>
{body}</main></body></html>
"""


class MarkdownPageHandler(JupyterHandler):
    """The kit's Markdown files (glossary, data notes, guide) as HTML pages."""

    cache = PageCache()

    @tornado.web.authenticated
    def get(self, address: str) -> None:
        path = page_file(address, self.settings["kit_notebooks"])
        if path is None:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(self.cache.get(path, self.base_url))

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    f"<title>Not found</title></head><body><p>No such page "
                    f"(HTTP {int(status_code)}). <a href=\"{html.escape(self.base_url)}\">The "
                    "workshop's start page</a></p></body></html>")


class KitVoila(Voila):
    """Voila with the kit's handlers in front of its own, and its kernels forked from a
    process that has imported the kit already (``fork_kernels``; see ``forkserver.py``)."""

    name = "voila"  # the same config files and command-line names as Voila
    fork_kernels = Bool(True, config=True, help="Start each page's kernel as a fork of a "
                        "process that has imported the kit (False: a fresh Python each time)")
    fork_server: ForkServer | None = None

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["kit_notebooks"] = Path(self.root_dir)
        # Linux only: elsewhere (macOS, Windows) forking a process that has loaded numpy's
        # libraries is not safe or not possible, and each kernel starts as a fresh Python.
        linux = sys.platform.startswith("linux")
        if self.fork_kernels and linux and KitVoila.fork_server is None:
            KitVoila.fork_server = ForkServer()
            atexit.register(KitVoila.fork_server.stop)
        manager = self.kernel_manager
        limit = getattr(manager, "max_kernels", 0)
        idle = getattr(manager, "cull_idle_timeout", 0)
        self.log.info("At most %s dashboard pages open at once; a page's kernel ends when the "
                      "page is closed%s.", limit or "any number of",
                      f", or after {idle / 60:g} minutes with no browser connected" if idle else "")
        return settings

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if KitVoila.fork_server is not None:
                KitVoila.fork_server.stop()
                KitVoila.fork_server = None

    def init_handlers(self) -> list:
        handlers = [(url, KitVoilaHandler if handler is TornadoVoilaHandler else handler, *rest)
                    for url, handler, *rest in super().init_handlers()]
        base = self.server_url.rstrip("/")
        pages = [(base + r"/(voila/render/.+\.md)", MarkdownPageHandler),
                 (base + r"/(voila/data/README\.md)", MarkdownPageHandler)]
        return pages + handlers


main = KitVoila.launch_instance
