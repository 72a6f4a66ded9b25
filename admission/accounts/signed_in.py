"""The signed-in account, read in one statement on every request.

Each signed-in page needs the account, its unit, the unit's roles and the unit's unread notices.
Loading them through the ORM (an eager join, one row per role, the identity map's bookkeeping)
cost more than a millisecond of CPU per request, most of the floor of a signed-in page. Here one
Core statement reads them as a single row and the objects are placed into the request's session
as if loaded (``make_transient_to_detached``, then ``add``): the rest of the request sees ordinary
persistent instances, which lazy-load, expire and refresh as usual.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, func, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from admission.accounts.models import Account, Unit, UnitRole
from admission.notifications.queries import unread_count

ROLES_SEPARATOR = ","


@cache
def _statement() -> Select:
    # Built once: building a select costs about as much as running this one.
    account, unit = Account.__table__, Unit.__table__
    roles = (
        select(func.aggregate_strings(UnitRole.role, ROLES_SEPARATOR))
        .where(UnitRole.unit_id == unit.c.id)
        .scalar_subquery()
    )
    return (
        select(
            *[c.label(f"a_{c.key}") for c in account.c],
            *[c.label(f"u_{c.key}") for c in unit.c],
            roles.label("roles"),
            unread_count(unit.c.id).label("unread"),
        )
        .join_from(account, unit, unit.c.id == account.c.unit_id)
        .where(account.c.id == bindparam("account_id"))
    )


def _loaded(cls, values: dict):
    """An instance of ``cls`` holding ``values`` as its database state, detached until added to a session."""
    mapper = inspect(cls)
    obj = mapper.class_manager.new_instance()
    for attr in mapper.column_attrs:
        set_committed_value(obj, attr.key, values[attr.columns[0].key])
    make_transient_to_detached(obj)
    return obj


def load(session: Session, account_id: int) -> tuple[Account, int] | None:
    """The account with its unit and roles, and the unit's unread notices; None if there is no such account."""
    row = session.connection().execute(_statement(), {"account_id": account_id}).mappings().first()
    if row is None:
        return None
    known = session.identity_map.get(inspect(Account).identity_key_from_primary_key([account_id]))
    if known is not None:  # already read in this session (a CLI context, a test): keep that copy
        return known, row["unread"]
    unit = _loaded(Unit, {k[2:]: v for k, v in row.items() if k.startswith("u_")})
    roles = sorted(row["roles"].split(ROLES_SEPARATOR)) if row["roles"] else []
    role_rows = [_loaded(UnitRole, {"unit_id": unit.id, "role": role}) for role in roles]
    set_committed_value(unit, "role_rows", role_rows)
    account = _loaded(Account, {k[2:]: v for k, v in row.items() if k.startswith("a_")})
    set_committed_value(account, "unit", unit)
    session.add(account)
    return account, row["unread"]
