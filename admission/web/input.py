"""Reading raw form fields that no WTForms form covers: ids, and text the database could not hold."""

from __future__ import annotations

import re

from flask import request
from wtforms import Field, FieldList, FormField, PasswordField, TextAreaField

from admission.core.text import text_problem
from admission.errors import Invalid

ID = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1


def form_ids(name: str, *, limit: int = 500) -> list[int]:
    """The ids a form sent under ``name``; anything else (``²``, a 21-digit number) is refused."""
    values = request.form.getlist(name)
    if len(values) > limit:
        raise Invalid(f"{name}：最多选择 {limit} 项", fields={name: f"最多 {limit} 项"})
    ids = []
    for value in values:
        if not ID.fullmatch(value.strip()) or not 1 <= int(value) <= MAX_ID:
            raise Invalid(f"{name}：编号无效", fields={name: "编号无效"})
        ids.append(int(value))
    return ids


def refuse_nul_in_form() -> None:
    """PostgreSQL cannot even compare text holding NUL: refused before any view reads the form."""
    for key, value in request.form.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise Invalid(f"{key.replace(chr(0), '')}：不能含有空字符", fields={key: "不能含有空字符"})


def _leaves(fields) -> list[Field]:
    found = []
    for field in fields:
        if isinstance(field, FormField):
            found += _leaves(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                found += _leaves([entry])
        else:
            found.append(field)
    return found


def check_text_fields(form) -> bool:
    """Every text field of a WTForms form holds text we can store; the message goes beside it.

    Single-line inputs (``StringField``) may not hold line breaks; text areas may.
    """
    ok = True
    for field in _leaves(form):
        if isinstance(field.data, str):
            single = not isinstance(field, TextAreaField | PasswordField)
            problem = text_problem(field.data, single_line=single)
            if problem:
                field.errors = [*field.errors, problem]
                ok = False
    return ok
