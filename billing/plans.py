"""The plans, from the settings: one Stripe price for an organisation, one per client for a consultancy."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from billing.models import CONSULTANCY


@dataclass(frozen=True)
class Plan:
    key: str
    name: object  # a lazy translated string
    price_id: str
    per_client: bool


def plan_for(account_kind: str, settings) -> Plan:
    if account_kind == CONSULTANCY:
        return Plan("consultancy", _l("Consultancy plan, per active client"), settings.stripe_price_consultancy_client,
                    per_client=True)
    return Plan("organisation", _l("Organisation plan"), settings.stripe_price_organisation, per_client=False)
