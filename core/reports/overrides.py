"""Report templates, stylesheets, logo and title lines, overridable per tenant or by the host.

Lookup order for each file: ``tenants/<slug>/reports/`` (the unit), ``tenants/_host/reports/``
(the county), the unit-type plugin's template (branch cards only), ``templates/reports/``.
Overrides are data, not code: a broken one (a template that does not compile or render, a
stylesheet with syntax errors, a missing logo, bad YAML) is logged, reported as a note on the
report, and the default is used instead. Nothing here raises for an override's fault.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from flask_babel import gettext, ngettext
from jinja2.sandbox import SandboxedEnvironment

from core import safe_yaml
from core.paths import TEMPLATES_DIR
from core.reports.engine import HOST_FOLDER, REPORTS_DIR, stylesheet_problems, tenants_dir

log = logging.getLogger(__name__)

ReportKind = Literal["branch", "unit", "county", "ledger"]

#: Each report's template and stylesheet, relative to a ``reports/`` folder.
REPORT_FILES: dict[str, tuple[str, str]] = {
    "branch": ("branch/card.html", "branch/card.css"),
    "unit": ("unit/summary.html", "unit/summary.css"),
    "county": ("county/rollup.html", "county/rollup.css"),
    "ledger": ("ledger/ledger.html", "ledger/ledger.css"),
}
#: Shared by every report: ``@page`` rules, fonts, running header and footer.
PRINT_CSS = "print.css"
SETTINGS_FILE = "report.yaml"
LOGO_NAMES = ("logo.svg", "logo.png", "logo.jpg")
SETTINGS_KEYS = {"title_lines", "logo", "reports"}
REPORT_SETTINGS_KEYS = {"title_lines", "template", "stylesheet"}


@dataclass
class ReportLook:
    """Everything a report's appearance is made of, after overrides are applied.

    :param kind: ``branch``, ``unit`` or ``county``.
    :param layers: ``reports/`` folders searched for templates, most specific first.
    :param template: template name (relative to a layer) used for the report.
    :param stylesheets: CSS files in cascade order (defaults first, overrides after).
    :param title_lines: the lines printed above the report's title, placeholders filled in.
    :param logo: the logo as a ``data:`` URL.
    :param notes: what went wrong with overrides, in Chinese, to print on the report.
    """

    kind: str
    layers: tuple[Path, ...]
    template: str
    stylesheets: list[Path]
    title_lines: list[str]
    logo: str | None
    notes: list[str] = field(default_factory=list)
    #: The layers' own ``report.yaml`` that were read, for messages.
    sources: list[str] = field(default_factory=list)

    @property
    def overridden(self) -> bool:
        """Whether any layer besides the defaults is in play."""
        return len(self.layers) > 1


def _relative(path: Path) -> str:
    """A path as people know it: under ``tenants/`` or ``templates/``."""
    for base, label in ((tenants_dir(), "tenants"), (TEMPLATES_DIR, "templates")):
        try:
            return f"{label}/{path.resolve().relative_to(base.resolve())}"
        except ValueError:
            continue
    return str(path)


def override_layers(tenant_slug: str | None) -> list[Path]:
    """The override folders that exist for a tenant, most specific first (host last)."""
    base = tenants_dir()
    candidates = []
    if tenant_slug and tenant_slug != HOST_FOLDER:
        candidates.append(base / tenant_slug / "reports")
    candidates.append(base / HOST_FOLDER / "reports")
    return [p for p in candidates if p.is_dir()]


def _read_settings(folder: Path, notes: list[str]) -> dict[str, Any]:
    path = folder / SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        data = safe_yaml.load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        where = f"第{mark.line + 1}行" if mark is not None else ""
        _note(
            notes,
            gettext(
                "%(file)s %(where)s格式有误，已忽略该文件：%(error)s",
                file=_relative(path),
                where=where,
                error=getattr(error, "problem", error),
            ),
        )
        return {}
    if not isinstance(data, dict):
        _note(notes, gettext("%(file)s 应为键值对，已忽略该文件", file=_relative(path)))
        return {}
    unknown = sorted(set(data) - SETTINGS_KEYS)
    if unknown:
        _note(
            notes,
            gettext(
                "%(file)s 中的 %(keys)s 不是可设置项，已忽略（可设置：title_lines、logo、reports）",
                file=_relative(path),
                keys="、".join(map(str, unknown)),
            ),
        )
    return data


def _note(notes: list[str], message: str) -> None:
    log.warning("report override: %s", message)
    if message not in notes:
        notes.append(message)


def _title_lines(value: Any, where: str, notes: list[str]) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    _note(
        notes, gettext("%(where)s 的 title_lines 应为文字或文字列表，已使用默认标题", where=where)
    )
    return None


def _fill(line: str, values: Mapping[str, Any], where: str, notes: list[str]) -> str:
    """Fill ``{host}``, ``{unit}``, ``{year}`` … in a title line; a bad placeholder is noted."""
    try:
        return line.format_map(dict(values))
    except (KeyError, ValueError, IndexError, AttributeError) as error:
        _note(
            notes,
            gettext(
                "%(where)s 的标题「%(line)s」含无法识别的占位符 %(error)s，已原样打印",
                where=where,
                line=line,
                error=error,
            ),
        )
        return line


def _logo_data_url(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def resolve_look(
    kind: ReportKind,
    tenant_slug: str | None,
    *,
    placeholders: Mapping[str, Any],
    plugin_template: str | None = None,
) -> ReportLook:
    """Work out a report's template, stylesheets, logo and title lines for one tenant.

    :param kind: which report.
    :param tenant_slug: the unit whose overrides apply; ``None`` for county reports (host only).
    :param placeholders: values for ``{…}`` in title lines (host, county, unit, year).
    :param plugin_template: a plugin's template for the branch card, relative to ``templates/``.
    """
    notes: list[str] = []
    overrides = override_layers(tenant_slug)
    default_settings = _read_settings(REPORTS_DIR, notes)
    template_name, stylesheet_name = REPORT_FILES[kind]

    # Settings merge key by key: default < host < tenant.
    title_lines = _title_lines(default_settings.get("title_lines"), SETTINGS_FILE, notes) or []
    report_defaults = (default_settings.get("reports") or {}).get(kind) or {}
    title_lines = (
        _title_lines(report_defaults.get("title_lines"), SETTINGS_FILE, notes) or title_lines
    )
    logo_path: Path | None = next(
        (REPORTS_DIR / n for n in LOGO_NAMES if (REPORTS_DIR / n).is_file()), None
    )
    chosen_template: str | None = None
    extra_stylesheets: list[Path] = []
    sources: list[str] = []

    for folder in reversed(overrides):  # host first, then the tenant wins
        settings = _read_settings(folder, notes)
        where = _relative(folder / SETTINGS_FILE)
        if settings:
            sources.append(where)
        title_lines = _title_lines(settings.get("title_lines"), where, notes) or title_lines
        per_report = settings.get("reports") or {}
        if not isinstance(per_report, dict):
            _note(notes, gettext("%(where)s 的 reports 应为按报表分组的设置，已忽略", where=where))
            per_report = {}
        mine = per_report.get(kind) or {}
        if not isinstance(mine, dict):
            _note(
                notes,
                gettext("%(where)s 的 reports.%(kind)s 应为键值对，已忽略", where=where, kind=kind),
            )
            mine = {}
        unknown = sorted(set(mine) - REPORT_SETTINGS_KEYS)
        if unknown:
            _note(
                notes,
                gettext(
                    "%(where)s 的 reports.%(kind)s 中 %(keys)s 不是可设置项，已忽略",
                    where=where,
                    kind=kind,
                    keys="、".join(map(str, unknown)),
                ),
            )
        title_lines = _title_lines(mine.get("title_lines"), where, notes) or title_lines

        logo = settings.get("logo")
        found_logo = next((folder / n for n in LOGO_NAMES if (folder / n).is_file()), None)
        if logo:
            candidate = (folder / str(logo)).resolve()
            if candidate.is_file() and candidate.is_relative_to(folder.resolve()):
                found_logo = candidate
            else:
                _note(
                    notes,
                    gettext(
                        "%(where)s 指定的标志文件 %(file)s 不存在，已使用默认标志",
                        where=where,
                        file=logo,
                    ),
                )
        if found_logo is not None:
            logo_path = found_logo

        named_template = mine.get("template")
        if named_template:
            if (folder / str(named_template)).is_file():
                chosen_template = str(named_template)
            else:
                _note(
                    notes,
                    gettext(
                        "%(where)s 指定的模板 %(file)s 不存在，已使用默认模板",
                        where=where,
                        file=named_template,
                    ),
                )
        custom = mine.get("stylesheet")
        report_css = folder / stylesheet_name
        if custom:
            if (folder / str(custom)).is_file():
                report_css = folder / str(custom)
            else:
                _note(
                    notes,
                    gettext(
                        "%(where)s 指定的样式表 %(file)s 不存在，已忽略", where=where, file=custom
                    ),
                )
        for path in (folder / PRINT_CSS, report_css):
            if not path.is_file():
                continue
            problems = stylesheet_problems(path)
            if problems:
                _note(
                    notes,
                    gettext(
                        "样式表 %(file)s 有语法错误（%(problems)s），已忽略该样式表，使用默认样式",
                        file=_relative(path),
                        problems="；".join(problems[:3]),
                    ),
                )
                continue
            extra_stylesheets.append(path)

    if chosen_template is None and kind == "branch" and plugin_template:
        # A plugin's card sits between the county's overrides and the default (hookspec).
        if (TEMPLATES_DIR / plugin_template).is_file():
            chosen_template = plugin_template
        else:
            _note(
                notes,
                gettext(
                    "单位类型插件指定的模板 %(file)s 不存在，已使用默认模板", file=plugin_template
                ),
            )

    layers = (*overrides, REPORTS_DIR, TEMPLATES_DIR)
    filled = [_fill(line, placeholders, "report.yaml", notes) for line in title_lines]
    return ReportLook(
        kind=kind,
        layers=tuple(layers),
        template=chosen_template or template_name,
        stylesheets=[REPORTS_DIR / PRINT_CSS, REPORTS_DIR / stylesheet_name, *extra_stylesheets],
        title_lines=[line for line in filled if line.strip()],
        logo=_logo_data_url(logo_path) if logo_path else None,
        notes=notes,
        sources=sources,
    )


_environments: dict[tuple[str, ...], SandboxedEnvironment] = {}


def environment(layers: tuple[Path, ...]) -> SandboxedEnvironment:
    """A sandboxed Jinja environment over the layers (cached per layer list).

    Sandboxed because override templates are tenant data: they may format what they are given
    but not reach into Python objects. ``auto_reload`` keeps edited overrides fresh in
    long-lived workers.
    """
    key = tuple(str(p) for p in layers)
    env = _environments.get(key)
    if env is None:
        env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(p) for p in layers]),
            autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=True,
            undefined=jinja2.StrictUndefined,
        )
        env.install_gettext_callables(gettext, ngettext, newstyle=True)
        _environments[key] = env
    return env


def _describe(error: Exception) -> str:
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = _relative(Path(error.filename)) if error.filename else error.name or ""
        return gettext(
            "%(file)s 第%(line)s行语法错误：%(message)s",
            file=where,
            line=error.lineno,
            message=error.message,
        )
    if isinstance(error, jinja2.TemplateNotFound):
        return gettext("找不到模板 %(name)s", name=error.name)
    return f"{type(error).__name__}: {error}"


def render_template(look: ReportLook, context: Mapping[str, Any]) -> str:
    """Render the report's template, falling back to the default when an override fails.

    :param look: from :func:`resolve_look`; its ``notes`` gain a line when falling back.
    :param context: the template's variables; ``look`` is added as ``look``.
    :raises jinja2.TemplateError: only when the default template itself fails (our bug).
    """
    defaults = (REPORTS_DIR, TEMPLATES_DIR)
    default_name = REPORT_FILES[look.kind][0]
    if look.layers != defaults or look.template != default_name:
        try:
            return environment(look.layers).get_template(look.template).render(**context, look=look)
        except Exception as error:  # an override is data: any failure falls back, loudly
            log.warning(
                "report template override failed, using the default: %s", error, exc_info=True
            )
            _note(
                look.notes,
                gettext(
                    "自定义模板无法使用（%(problem)s），已改用默认模板", problem=_describe(error)
                ),
            )
    return environment(defaults).get_template(default_name).render(**context, look=look)
