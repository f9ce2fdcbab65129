"""WeasyPrint for reports: one long-lived font configuration, a closed URL fetcher, HTML → PDF."""

from __future__ import annotations

import ctypes.util
import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, has_app_context

from core.paths import TEMPLATES_DIR, TENANTS_DIR

log = logging.getLogger(__name__)

#: Default report templates, stylesheets, logo and the shipped font live here.
REPORTS_DIR = TEMPLATES_DIR / "reports"
FONTS_DIR = REPORTS_DIR / "fonts"
#: The CJK font shipped with the templates (``scripts/build-font.py`` rebuilds it).
FONT_FILE = FONTS_DIR / "BranchmarkSansCJK-Regular.ttf"
#: The folder name under ``tenants/`` that holds the county's (host's) overrides.
HOST_FOLDER = "_host"

_font_config = None
_warned = False
_font_config_lock = threading.Lock()
_image_cache: dict[str, Any] = {}


class ReportResourceRefused(ValueError):
    """A report asked for a resource outside the report folders (network or other files)."""


@lru_cache(maxsize=1)
def harfbuzz_subset_missing() -> bool:
    """Whether WeasyPrint must fall back to fontTools to subset fonts (slow for CJK).

    Checked once per process: ``ctypes.util.find_library`` and WeasyPrint's own binding agree
    in the normal case; either finding the library is enough.
    """
    if ctypes.util.find_library("harfbuzz-subset"):
        return False
    try:
        from weasyprint.text import ffi
    except (ImportError, OSError):
        return True
    return getattr(ffi, "harfbuzz_subset", None) is None


def warn_if_slow_fonts() -> bool:
    """Log a loud warning when libharfbuzz-subset0 is absent; the flag pages can show.

    Warns once per process (at start-up, through the ``reports`` blueprint), not once per card.

    :returns: ``True`` when the library is missing.
    """
    global _warned
    missing = harfbuzz_subset_missing()
    if missing and not _warned:
        _warned = True
        log.warning(
            "libharfbuzz-subset0 is not installed: every Chinese PDF will take seconds instead "
            "of tenths (WeasyPrint falls back to fontTools). Install it: apt-get install "
            "libharfbuzz-subset0"
        )
    return missing


def font_config():
    """The process-wide WeasyPrint font configuration.

    Long-lived on purpose: ``@font-face`` fonts are loaded and fontconfig is set up once per
    worker, not once per PDF (a per-PDF configuration costs tenths of a second with CJK fonts).
    """
    global _font_config
    if _font_config is None:
        with _font_config_lock:
            if _font_config is None:
                from weasyprint.text.fonts import FontConfiguration

                _font_config = FontConfiguration()
    return _font_config


def tenants_dir() -> Path:
    """The ``tenants/`` folder of the running application (config ``TENANTS_DIR``)."""
    if has_app_context() and current_app.config.get("TENANTS_DIR"):
        return Path(current_app.config["TENANTS_DIR"])
    return TENANTS_DIR


def allowed_roots() -> tuple[Path, ...]:
    """Folders a report may read files from: the templates and every ``*/reports`` override."""
    roots = [REPORTS_DIR.resolve()]
    base = tenants_dir()
    if base.is_dir():
        roots.extend(p.resolve() for p in sorted(base.glob("*/reports")) if p.is_dir())
    return tuple(roots)


def _local_path(url: str) -> Path:
    """The file a ``file:`` URL names, if it lies inside an allowed folder.

    :raises ReportResourceRefused: for any other scheme, or a file elsewhere.
    """
    parts = urlsplit(url)
    if parts.scheme != "file":
        raise ReportResourceRefused(f"reports never fetch from the network: {url}")
    path = Path(unquote(parts.path)).resolve()
    for root in allowed_roots():
        if path.is_relative_to(root):
            return path
    raise ReportResourceRefused(f"reports only read files in the report folders: {url}")


def url_fetcher():
    """The fetcher handed to WeasyPrint for every report: report folders and ``data:`` only."""
    return _fetcher()


@lru_cache(maxsize=1)
def _fetcher():
    # WeasyPrint is imported on the first report, not when this module loads: commands that
    # never render (an import, a score) start about 2.6 s sooner.
    try:  # WeasyPrint ≥ 66 wants a URLFetcher instance; older versions a function returning a dict.
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except ImportError:  # pragma: no cover - depends on the installed WeasyPrint
        return _fetch

    class ReportURLFetcher(URLFetcher):
        """Serves ``file:`` URLs under the report folders and ``data:`` URLs; refuses the rest."""

        def fetch(self, url: str, headers: Any = None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = _local_path(url)
            return URLFetcherResponse(url, body=path.read_bytes())

    return ReportURLFetcher(allowed_protocols=("file", "data"))


def _fetch(url: str) -> dict[str, Any]:  # pragma: no cover - WeasyPrint < 66
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url)
    path = _local_path(url)
    return {"string": path.read_bytes(), "filename": path.name, "redirected_url": url}


_stylesheet_cache: dict[tuple[str, float], Any] = {}


def stylesheet(path: Path):
    """A parsed stylesheet, cached until the file changes (its ``@font-face`` rules load once)."""
    from weasyprint import CSS

    key = (str(path), path.stat().st_mtime)
    css = _stylesheet_cache.get(key)
    if css is None:
        css = CSS(filename=str(path), url_fetcher=url_fetcher(), font_config=font_config())
        _stylesheet_cache[key] = css
    return css


def write_pdf(html: str, *, base_url: Path, stylesheets: Sequence[Path] = ()) -> bytes:
    """Lay out ``html`` with the stylesheets and return the PDF.

    :param html: the rendered report.
    :param base_url: folder relative URLs in the HTML resolve against (the default templates).
    :param stylesheets: CSS files, in cascade order (defaults first, overrides after).
    """
    from weasyprint import HTML

    warn_if_slow_fonts()
    document = HTML(string=html, base_url=str(base_url) + "/", url_fetcher=url_fetcher())
    return document.write_pdf(
        stylesheets=[stylesheet(p) for p in stylesheets],
        font_config=font_config(),
        cache=_image_cache,
    )


def stylesheet_problems(path: Path) -> list[str]:
    """Syntax errors in a stylesheet, as ``line:column message`` (empty when it parses).

    WeasyPrint skips a bad rule silently; an override author needs to hear about it.
    """
    import tinycss2

    rules = tinycss2.parse_stylesheet(
        path.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True
    )
    problems = []
    for rule in rules:
        if rule.type == "error":
            problems.append(f"{rule.source_line}:{rule.source_column} {rule.message}")
            continue
        holds_declarations = rule.type == "qualified-rule" or (
            rule.type == "at-rule" and rule.lower_at_keyword in ("page", "font-face")
        )
        if not holds_declarations or rule.content is None:
            continue
        for declaration in tinycss2.parse_declaration_list(
            rule.content, skip_comments=True, skip_whitespace=True
        ):
            if declaration.type == "error":
                problems.append(
                    f"{declaration.source_line}:{declaration.source_column} {declaration.message}"
                )
    return problems
