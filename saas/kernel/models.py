"""Model helpers every feature's tables use: the tenant column, and foreign keys and person links
that stay in one tenant."""
from __future__ import annotations

from sqlalchemy import ForeignKey, ForeignKeyConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship


class TenantOwned:
    """Mixin for every table that belongs to one tenant (tenants.scoping keeps its rows in their tenant)."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)


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
