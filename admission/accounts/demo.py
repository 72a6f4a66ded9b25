"""The demo county: the joint meeting's units, applicant departments, townships and villages.

The data file (admission/data/demo_county.yaml) follows annex 3 of seeds/000 for the member units
and seeds/003 for Sanguan Town's ten villages; see its header for what is real and what is made up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from importlib import resources

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from admission.accounts.models import Account, Unit, UnitRole
from admission.accounts.operations import hash_password
from admission.core import audit


@dataclass
class Created:
    units: int = 0
    accounts: int = 0
    password: str | None = None


def demo_units() -> list[dict]:
    data = resources.files("admission.data").joinpath("demo_county.yaml").read_text("utf-8")
    return yaml.safe_load(data)["units"]


def create(session: Session, *, password: str | None = None) -> Created:
    """Create every demo unit and one account per unit (username = unit code); idempotent."""
    existing = set(session.scalars(select(Unit.code)))
    units = [u for u in demo_units() if u["code"] not in existing]
    if not units:
        return Created()
    generated = password is None
    password = password or secrets.token_urlsafe(9)
    # One hash for every demo account: they share the password, and hashing hundreds of times
    # with argon2 would make `init --demo` take minutes.
    password_hash = hash_password(password)
    by_code = {u.code: u for u in session.scalars(select(Unit))}
    for spec in units:
        unit = Unit(code=spec["code"], name=spec["name"], kind=spec["kind"])
        unit.role_rows = [UnitRole(role=r) for r in spec["roles"]]
        session.add(unit)
        by_code[spec["code"]] = unit
    session.flush()
    for spec in units:
        if spec.get("township"):
            by_code[spec["code"]].township_id = by_code[spec["township"]].id
    taken = set(session.scalars(select(Account.username)))
    accounts = [
        Account(username=spec["code"], unit_id=by_code[spec["code"]].id, password_hash=password_hash)
        for spec in units
        if spec["code"] not in taken
    ]
    session.add_all(accounts)
    session.flush()
    audit.record(
        session, actor="cli", entity="county", entity_id="demo", action="create_demo_county",
        changes={"units": len(units), "accounts": len(accounts)},
    )  # fmt: skip
    return Created(units=len(units), accounts=len(accounts), password=password if generated else None)
