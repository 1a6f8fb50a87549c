"""What the anonymity mechanism keeps: releases of figures, and the access log.

A `Release` is one release point of one collection (a survey wave, a pulse check, a 360 round,
an expectation round, a workshop's evaluations): the k it was made under, the audited pattern per
measure (which groups are shown, and why the others are not), the atoms the audit saw (so a later
release of the same collection audits what came in since), and the figures. Survey waves keep their
figures per group in `ReleaseGroup` rows, so a report page reads only the groups it shows; the small
collections keep theirs in `Release.figures`. Nothing here is ever updated: a later release is a new
row, and a later change may only hide more.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned

COLLECTIONS = ("wave", "pulse", "feedback", "expectations", "workshop")


class Release(TenantOwned, Base):
    __tablename__ = "anonymity_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    collection: Mapped[str] = mapped_column(String(20))  # one of COLLECTIONS
    collection_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per collection
    final: Mapped[bool] = mapped_column(Boolean, default=False)  # the close; no release follows
    k: Mapped[int] = mapped_column(Integer)
    released_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[int] = mapped_column(Integer)  # how many answers it rests on
    # {measure: {"total": bool, "orgs": [...], "teams": [...], "cells": [[o, t], ...], "hidden": [[kind, key, reason]]}}
    patterns: Mapped[dict] = mapped_column(JSON, default=dict)
    # {measure: [[org, team, n], ...]}: the audit's input. Loaded only when asked for (by the next
    # release): every reading of a report loads its release, and the atoms are its largest part.
    atoms: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # collection-wide figures
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "collection", "collection_id", "number"),
        CheckConstraint("collection IN ('wave', 'pulse', 'feedback', 'expectations', 'workshop')",
                        name="known_collection"),
        CheckConstraint("k >= 5", name="k_at_least_5"),
    )


class ReleaseGroup(TenantOwned, Base):
    """The released figures of one shown group of a survey wave: the whole wave (org and team None),
    a legacy organisation, a team, or a team within an organisation. Hidden groups have no row."""

    __tablename__ = "anonymity_release_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(Integer, index=True)
    org_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    figures: Mapped[dict] = mapped_column(JSON)  # {"n": …, measure: figures | {"hidden": reason}}

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "release_id"], ["anonymity_releases.tenant_id", "anonymity_releases.id"],
                             ondelete="CASCADE", name="fk_anonymity_release_groups_release"),
    )


class ReportAccess(TenantOwned, Base):
    """One reading of anything built from answers, or one change of the rules. Append-only: the
    database refuses to change or delete a row (a trigger), so not even an admin can tidy the record
    of who looked. A row goes only by cascade, once what it names (a wave, a programme, the tenant)
    is gone.

    Who is kept as it was at the time (name and e-mail), so the record survives the person leaving.
    `kind`: page | json | csv | xlsx | pdf | rates (a wave's report or response rates); pulse; comparison;
    consistency; evidence; feedback; setting (a change of k, country or consent requirement);
    consent (a works council decision recorded).
    """

    __tablename__ = "report_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str] = mapped_column(String(200))
    user_email: Mapped[str] = mapped_column(String(320))
    wave_id: Mapped[int | None] = mapped_column(Integer, index=True)
    programme_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filters: Mapped[dict] = mapped_column(JSON)  # what was asked, or what changed
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "wave_id"], ["survey_waves.tenant_id", "survey_waves.id"],
                             ondelete="CASCADE", name="fk_report_access_log_wave"),
        ForeignKeyConstraint(["tenant_id", "programme_id"], ["programmes.tenant_id", "programmes.id"],
                             ondelete="CASCADE", name="fk_report_access_log_programme"),
        Index("ix_report_access_log_tenant_at", "tenant_id", "at", "id"),  # newest first, a page at a time
    )
