"""Field limits have one definition (``core.validation.LIMITS``): every page form, every API
schema and the Excel imports (which load rows through the API schemas) take their bounds from it.

The walk fails on a form field that carries its own number (WTForms' ``Length`` or
``NumberRange``) and on a text, number or date field that is not bounded at all.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import SimpleNamespace

import marshmallow as ma
import pytest
from flask_wtf import FlaskForm
from marshmallow import fields as mf
from wtforms import fields as wf
from wtforms.validators import Length, NumberRange

import core
from core.api.schemas import Schema
from core.forms import Within
from core.validation import LIMITS

#: Form fields that hold free input and so must be bounded (passwords: the password policy).
BOUNDED_FORM_FIELDS = (wf.StringField, wf.TextAreaField, wf.DecimalField, wf.IntegerField)
UNBOUNDED_FORM_FIELDS = (wf.PasswordField, wf.SelectField, wf.SelectMultipleField, wf.RadioField, wf.HiddenField)


def _modules(suffix: str) -> list:
    found = []
    for info in pkgutil.walk_packages(core.__path__, "core."):
        if info.name.endswith(suffix):
            found.append(importlib.import_module(info.name))
    return found


def _form_classes(app) -> dict[str, type]:
    """Every page form: the classes of ``core/*/forms.py`` and the ones built per request."""
    classes: dict[str, type] = {}
    for module in _modules(".forms"):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, FlaskForm) and value is not FlaskForm:
                classes[f"{module.__name__}.{name}"] = value
    from core.dues.forms import month_form
    from core.events.forms import event_form
    from core.members.forms import appraisal_form

    member = SimpleNamespace(id=7, name="张三")
    with app.test_request_context():
        classes["event_form(roster)"] = type(event_form([member], {}))
        classes["month_form(rows)"] = type(month_form([member], {}))
        classes["appraisal_form(rows)"] = type(appraisal_form([member], {}))
    return classes


def _unbound_fields(form_class: type) -> dict[str, object]:
    return {name: value for name, value in inspect.getmembers(form_class) if isinstance(value, wf.core.UnboundField)}


def test_every_form_field_takes_its_limit_from_validation(app):
    own_numbers, unbounded, checked = [], [], 0
    for form_name, form_class in _form_classes(app).items():
        for name, unbound in _unbound_fields(form_class).items():
            validators = list(unbound.kwargs.get("validators") or ())
            label = f"{form_name}.{name}"
            if any(isinstance(v, Length | NumberRange) for v in validators):
                own_numbers.append(label)
            if issubclass(unbound.field_class, UNBOUNDED_FORM_FIELDS):
                continue
            if issubclass(unbound.field_class, BOUNDED_FORM_FIELDS):
                checked += 1
                if not any(isinstance(v, Within) for v in validators):
                    unbounded.append(label)
    assert checked > 60  # the walk found the forms
    assert not own_numbers, "表单自带数字限制（应改用 core.validation.LIMITS）: " + ", ".join(own_numbers)
    assert not unbounded, "表单字段没有长度或范围限制: " + ", ".join(unbounded)


def _input_schemas(app) -> dict[str, type]:
    """Every schema an API operation loads its body or query with (from flask-smorest's docs)."""
    classes: dict[str, type] = {}
    for function in app.view_functions.values():
        view_class = getattr(function, "view_class", None)
        for method in ("get", "post", "patch", "put", "delete"):
            handler = getattr(view_class, method, None) if view_class else function
            apidoc = getattr(handler, "_apidoc", None) or {}
            for argument in apidoc.get("arguments", {}).get("parameters", []):
                schema = argument["schema"]
                schema = schema if inspect.isclass(schema) else type(schema)
                if issubclass(schema, Schema):
                    classes[f"{schema.__module__}.{schema.__name__}"] = schema
    return classes


def _is_bounded(field: mf.Field) -> bool:
    if isinstance(field, mf.String) and any(isinstance(v, ma.validate.OneOf) for v in field.validators):
        return True  # a code from a vocabulary
    # Bounds added by core.api.schemas (text(limit) and _bound) carry the one definition's limit.
    return any(getattr(v, "limit_name", None) in LIMITS or getattr(v, "bounded_by", None) for v in field.validators)


def test_every_api_and_import_field_takes_its_limit_from_validation(app):
    unbounded, checked = [], 0
    for schema_name, schema_class in _input_schemas(app).items():
        schema = schema_class()
        for name, field in schema.fields.items():
            if field.dump_only or isinstance(field, mf.Nested | mf.Boolean | mf.Method | mf.Function):
                continue
            inner = field.inner if isinstance(field, mf.List) else field
            if isinstance(inner, mf.Nested | mf.Boolean | mf.Dict):
                continue
            checked += 1
            if not _is_bounded(inner):
                unbounded.append(f"{schema_name}.{name}")
    assert checked > 80  # the walk found the schemas
    assert not unbounded, "API 字段没有来自 core.validation 的限制: " + ", ".join(unbounded)


def test_imports_load_rows_through_the_walked_schemas(app):
    from core.excel import importer

    walked = set(_input_schemas(app).values())
    used = {value for value in vars(importer).values() if inspect.isclass(value) and issubclass(value, Schema)}
    assert used and used <= walked


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_every_named_limit_is_used(name):
    # A limit nobody reads is a number that drifted away from the fields it was meant for.
    import subprocess
    from pathlib import Path

    root = Path(core.__file__).parent
    found = subprocess.run(["grep", "-rlF", f'"{name}"', str(root), "--include=*.py"], capture_output=True, text=True).stdout
    users = [line for line in found.splitlines() if not line.endswith("validation.py")]
    assert users, f"LIMITS[{name!r}] 没有任何字段使用"
