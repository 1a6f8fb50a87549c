"""Model helpers every feature's tables use: foreign keys and person links that stay in one tenant."""
from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint
from sqlalchemy.orm import relationship


def tenant_person(cls_name: str, column: str):
    """The Membership a row's `column` names, joined within the row's own tenant."""
    return relationship(
        "Membership", primaryjoin=f"and_({cls_name}.{column} == Membership.id,"
                                  f" {cls_name}.tenant_id == Membership.tenant_id)",
        foreign_keys=f"[{cls_name}.{column}]", viewonly=True, lazy="joined",
    )


def tenant_fk(columns, target, name, ondelete="CASCADE"):
    """A composite (tenant_id, id) foreign key: a row can never point into another tenant."""
    return ForeignKeyConstraint(["tenant_id", *columns], [f"{target}.tenant_id", f"{target}.id"], name=name,
                                ondelete=ondelete)
