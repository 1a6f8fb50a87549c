"""Billing pages (issue 8): the tenant's billing page, and the platform-level pages (Stripe webhook,
consultancy sign-up, the consultancy's account and clients, the consultant dashboard).

Every form and button goes through the one view pattern (`saas.kernel.views`: `submit`, `press`);
Checkout and the customer portal are buttons that lead to Stripe's page. The consultancy pages
are outside any tenant: they find the signed-in user's own consultancy and answer 404 to anyone
else, so they never show another account's data.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime

import stripe
from flask import (Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import format_date, get_locale, gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from billing import consultancy, entitlements, service, stripe_api
from billing.forms import ArchiveForm, ClientForm, ConsultancyForm, ConsultantForm
from billing.models import ORGANISATION, OWNER, BillingEvent
from billing.plans import plan_for
from saas.administration.forms import HouseStyleForm
from saas.benchmark import service as benchmark
from saas.kernel import brand
from saas.kernel.db import platform_blueprint, session, utcnow
from saas.programme.service import PHASE_LABELS
from saas.kernel.errors import problem
from saas.kernel.extensions import csrf
from saas.kernel.security import with_form_action
from saas.kernel.views import ButtonForm, press, press_confirmed, submit
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

log = logging.getLogger(__name__)

bp = tenant_blueprint("billing", __name__, "/billing")
# Stripe's webhook and the consultancy's pages cross tenants by nature: the platform role's session (saas.kernel.db)
public = platform_blueprint(Blueprint("billing_public", __name__, url_prefix="/billing"))


def _settings():
    return current_app.config["KOERS"]


# ---- the tenant's billing page --------------------------------------------------------------

@bp.route("/")
@requires(Role.ADMIN)
def page():
    db, settings = session(), _settings()
    account = service.account_of_tenant(db, g.tenant)
    invoice, invoice_problem = _next_invoice(account, settings)
    html = render_template(
        "billing/tenant.html", settings=settings, account=account,
        plan=plan_for(account.kind if account else ORGANISATION, settings),
        entitlement=entitlements.tenant_entitlement(db, g.tenant, settings=settings),
        invoice=invoice, invoice_problem=invoice_problem, action_form=ButtonForm(),
        subscribed=account is not None and service.has_ongoing_subscription(account),
        returned=request.args.get("checkout") == "done",
    )
    return with_form_action(make_response(html), *stripe_api.page_origins(settings))  # checkout, portal


@bp.route("/checkout", methods=["POST"])
@requires(Role.ADMIN)
def checkout():
    db, settings = session(), _settings()

    def work():
        account = service.organisation_account(db, g.tenant, current_user, settings)
        return service.start_checkout(
            db, account, settings=settings, email=current_user.email,
            success_url=settings.base_url + url_for("billing.page", checkout="done"),
            cancel_url=settings.base_url + url_for("billing.page"),
        )

    return press("checkout", work, then=url_for("billing.page"), follow=True)


@bp.route("/portal", methods=["POST"])
@requires(Role.ADMIN)
def portal():
    db, settings = session(), _settings()

    def work():
        account = service.account_of_tenant(db, g.tenant)
        if account is None:
            raise service.NoCustomer()
        if account.is_consultancy:
            raise service.ManagedByConsultancy()
        return service.open_portal(db, account, settings=settings,
                                   return_url=settings.base_url + url_for("billing.page"))

    return press("portal", work, then=url_for("billing.page"), follow=True)


# ---- the Stripe webhook ---------------------------------------------------------------------

@public.route("/webhook", methods=["POST"])
@csrf.exempt
def webhook():
    """Stripe's events: signature checked on the raw body, recorded by id and applied in one transaction."""
    settings = _settings()
    if not settings.billing_enabled or not settings.stripe_webhook_secret:
        abort(404)
    payload = request.get_data(cache=False)
    try:
        event = stripe_api.construct_event(settings, payload, request.headers.get("Stripe-Signature", ""))
    except (ValueError, stripe.SignatureVerificationError):
        return problem(400, _("The signature of this event could not be verified."))
    if not isinstance(event.get("id"), str) or len(event["id"]) > 255:
        return problem(400)
    db = session()
    try:
        outcome = service.handle_event(db, event, settings=settings)
        db.commit()
    except IntegrityError:
        db.rollback()
        if db.get(BillingEvent, event["id"]) is None:
            raise  # not a second delivery of the event: a real error, and Stripe delivers it again
        outcome = "duplicate"  # the same event, delivered twice at the same moment: the other one applied it
    except stripe_api.StripeUnavailable:
        db.rollback()  # nothing recorded: Stripe delivers the event again later
        log.warning("stripe event %s not applied: Stripe could not be reached; it will be delivered again",
                    event["id"])
        return jsonify({"received": False, "retry": True}), 503
    except stripe_api.StripeRefused as refused:
        db.rollback()  # about an account of ours, refused because our settings are wrong: not an outage
        log.error("stripe event %s not applied: Stripe refused (HTTP %s, %s): %s; check the billing settings "
                  "(STRIPE_SECRET_KEY, the prices); Stripe delivers the event again", event["id"],
                  refused.http_status, refused.code or "no code", refused.reason)
        return jsonify({"received": False, "refused": refused.reason}), 500
    return jsonify({"received": True, "outcome": outcome})


# ---- the consultancy ------------------------------------------------------------------------

@public.route("/consultancy")
@login_required
def dashboard():
    """The consultant's clients on one page: phase, participation, comparison; a link into each."""
    db, settings = session(), _settings()
    person = consultancy.membership_of(db, current_user)
    if person is None:
        return redirect(url_for("billing_public.sign_up"))
    database = current_app.extensions["koers.db"]
    clients = consultancy.consultant_clients(db, current_user)
    summaries = [consultancy.client_summary(database, tenant, link, settings=settings) for tenant, link in clients]
    # each client's released whole-organisation figures beside its sector's norm, as far as the consultancy may see it
    norms = benchmark.for_clients(db, person.account_id, [(tenant.id, tenant.name) for tenant, _link in clients])
    return render_template(
        "billing/dashboard.html", account=person.account, is_owner=person.role == OWNER,
        active=[s for s in summaries if not s.archived], archived=[s for s in summaries if s.archived],
        phase_labels=PHASE_LABELS, norms=norms,
    )


@public.route("/consultancy/new", methods=["GET", "POST"])
@login_required
def sign_up():
    db, settings = session(), _settings()
    if consultancy.membership_of(db, current_user) is not None:
        return redirect(url_for("billing_public.dashboard"))
    form = ConsultancyForm()
    return submit(form, lambda: consultancy.sign_up(db, current_user, name=form.name.data, settings=settings),
                  done=lambda account: _("%(name)s is ready. Create your first client.", name=account.name),
                  then=url_for("billing_public.new_client")) \
        or render_template("billing/sign_up.html", form=form, settings=settings)


@public.route("/consultancy/account", methods=["GET", "POST"])
@login_required
def account():
    """The owner's page: plan, state, next invoice, clients (archive, restore), consultants, house style."""
    db = session()
    account = _owned_account()
    form = ConsultantForm()
    invited = submit(form, lambda: consultancy.invite_consultant(db, account, current_user, email=form.email.data,
                                                                 settings=_settings(), locale=str(get_locale())),
                     done=lambda invitation: _("An invitation has been sent to %(email)s. They join every client as "
                                               "a consultant once they accept it.", email=invitation.email),
                     then=url_for("billing_public.account"))
    if invited:
        return invited
    return _account_page(form, HouseStyleForm(formdata=None, colour=account.brand_colour))


@public.route("/consultancy/house-style", methods=["GET", "POST"])
@login_required
def house_style():
    """The consultancy's house style: its clients' pages show it while they have none of their own."""
    if request.method == "GET":
        return redirect(url_for("billing_public.account"))
    db, account, form = session(), _owned_account(), HouseStyleForm()
    return submit(form, lambda: consultancy.set_house_style(db, account, colour=form.colour.data,
                                                            logo_data=brand.uploaded_logo(form.logo.data),
                                                            remove_logo=form.remove_logo.data),
                  done=_("The house style has been saved. Clients without one of their own show it."),
                  then=url_for("billing_public.account")) \
        or _account_page(ConsultantForm(formdata=None), form)


def _account_page(form, style_form):
    db, settings = session(), _settings()
    account = _owned_account()  # again: a refusal rolled the request's transaction back
    invoice, invoice_problem = _next_invoice(account, settings)
    html = render_template(
        "billing/account.html", account=account, settings=settings, form=form, action_form=ButtonForm(),
        style_form=style_form, own_style=brand.of(account, "consultancy"),
        archive_form=ArchiveForm(), plan=plan_for(account.kind, settings),
        entitlement=entitlements.account_entitlement(account, settings=settings),
        clients=consultancy.clients(db, account), people=consultancy.people(db, account),
        invitations=consultancy.pending_invitations(db, account),
        active_count=service.active_client_count(db, account), invoice=invoice,
        invoice_problem=invoice_problem, subscribed=service.has_ongoing_subscription(account),
        returned=request.args.get("checkout") == "done",
    )
    return with_form_action(make_response(html), *stripe_api.page_origins(settings))  # checkout, portal


@public.route("/consultancy/people/<int:person_id>/remove", methods=["GET", "POST"])
@login_required
def remove_consultant(person_id: int):
    db = session()
    account = _owned_account()
    person = next((p for p in consultancy.people(db, account) if p.id == person_id), None) or abort(404)
    name = person.user.name  # read before the commit: the person is gone after it
    return press_confirmed(
        "remove", lambda: consultancy.remove_consultant(db, account, person_id) or abort(404),
        title=_("Remove %(name)s from your consultancy?", name=name),
        consequence=_("%(name)s stops being one of your consultants and loses the consultant role in every client "
                      "at once. Roles a client gave them itself stay. To let them back, add them again.", name=name),
        button=_("Remove %(name)s", name=name), then=url_for("billing_public.account"),
        done=_("%(name)s is no longer one of your consultants, and no longer a consultant in your clients.",
               name=name))


@public.route("/consultancy/invitations/<int:invitation_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_consultant_invitation(invitation_id: int):
    db = session()
    account = _owned_account()
    invitation = next((i for i in consultancy.pending_invitations(db, account) if i.id == invitation_id), None) \
        or abort(404)
    return press_confirmed(
        "withdraw", lambda: consultancy.withdraw_invitation(db, account, invitation_id) or abort(404),
        title=_("Withdraw the invitation to %(email)s?", email=invitation.email),
        consequence=_("The link in the invitation mail stops working at once. You can invite %(email)s again "
                      "later.", email=invitation.email),
        button=_("Withdraw the invitation to %(email)s", email=invitation.email),
        done=_("The invitation has been withdrawn."), then=url_for("billing_public.account"))


@public.route("/consultancy/join/<token>", methods=["GET", "POST"])
@login_required
def accept_consultant_invitation(token: str):
    """The link from the invitation mail: the invited person, signed in with the invited address, joins."""
    db = session()
    invitation = consultancy.consultant_invitation(db, token) or abort(404)
    pending = invitation.pending(utcnow())
    if request.method == "POST":
        return press("accept", lambda: consultancy.accept_consultant_invitation(db, invitation, current_user),
                     done=_("Welcome to %(name)s: you are now a consultant in each of its clients.",
                            name=invitation.account.name),
                     then=url_for("billing_public.dashboard"), back=request.path)
    return render_template("billing/join.html", invitation=invitation, pending=pending,
                           action_form=ButtonForm())


@public.route("/consultancy/clients/new", methods=["GET", "POST"])
@login_required
def new_client():
    db, settings = session(), _settings()
    account = _owned_account()
    form = ClientForm()
    return submit(form, lambda: consultancy.create_client(
                      db, account, current_user, name=form.name.data, slug=form.slug.data, country=form.country.data,
                      language=form.language.data, admin_email=form.admin_email.data, settings=settings),
                  done=lambda tenant: _("%(name)s has been created; its administrator has been invited.",
                                        name=tenant.name),
                  then=url_for("billing_public.account")) \
        or render_template("billing/new_client.html", form=form, account=account)


@public.route("/consultancy/clients/<int:tenant_id>/archive", methods=["POST"])
@login_required
def archive_client(tenant_id: int):
    db = session()
    account = _owned_account()
    archived = submit(ArchiveForm(), lambda: consultancy.archive_client(db, account, tenant_id) or abort(404),
                      done=_("The client has been archived. It stays readable, and no longer counts for the "
                             "subscription."),
                      then=url_for("billing_public.account"))
    if not archived:
        flash(_("Tick the box to confirm that you want to archive the client."), "error")
    return archived or redirect(url_for("billing_public.account"))


@public.route("/consultancy/clients/<int:tenant_id>/restore", methods=["POST"])
@login_required
def restore_client(tenant_id: int):
    db = session()
    account = _owned_account()
    return press("restore", lambda: consultancy.restore_client(db, account, tenant_id, settings=_settings())
                 or abort(404), then=url_for("billing_public.account"),
                 done=lambda link: _("The client has been restored and counts for the subscription again.")
                 if link.archived_at is None else None)


@public.route("/consultancy/checkout", methods=["POST"])
@login_required
def consultancy_checkout():
    db, settings = session(), _settings()
    account = _owned_account()
    return press("checkout", lambda: service.start_checkout(
                     db, account, settings=settings, email=current_user.email,
                     success_url=settings.base_url + url_for("billing_public.account", checkout="done"),
                     cancel_url=settings.base_url + url_for("billing_public.account")),
                 then=url_for("billing_public.account"), follow=True)


@public.route("/consultancy/portal", methods=["POST"])
@login_required
def consultancy_portal():
    db, settings = session(), _settings()
    account = _owned_account()
    return press("portal", lambda: service.open_portal(
                     db, account, settings=settings, return_url=settings.base_url + url_for("billing_public.account")),
                 then=url_for("billing_public.account"), follow=True)


def _owned_account():
    person = consultancy.membership_of(session(), current_user)
    if person is None or person.role != OWNER:
        abort(404)
    return person.account


def _next_invoice(account, settings):
    """(next invoice or None, why Stripe could not say: None, or the message for the admin)."""
    if account is None:
        return None, None
    try:
        return service.next_invoice(account, settings), None
    except stripe_api.StripeUnavailable:
        return None, _("The payment provider cannot be reached just now, so the next invoice cannot be shown.")
    except stripe_api.StripeRefused as refused:
        return None, _("The payment provider refused to show the next invoice: “%(reason)s” (HTTP %(status)s). "
                       "Trying again will not help: the billing settings (the API key, a price or the "
                       "subscription at the payment provider) need to be checked.",
                       reason=refused.reason, status=refused.http_status)


# ---- the banner on every tenant page ---------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    tone: str  # "warning" or "blocked"
    title: str
    message: str
    advice: str
    action_url: str | None = None
    action_label: str | None = None


@public.app_context_processor
def _billing_template_globals():
    return {"billing_notice": billing_notice}


def billing_notice() -> Notice | None:
    """What the banner says on a tenant page: the account's state and what to do; None when all is well."""
    tenant, membership = g.get("tenant"), g.get("membership")
    if tenant is None or membership is None:
        return None
    if "billing_notice" not in g:
        try:
            g.billing_notice = _notice(session(), tenant, membership)
        except SQLAlchemyError:  # a page must still render when the database has just failed it
            log.warning("billing banner left out", exc_info=True)
            g.billing_notice = None
    return g.billing_notice


def _notice(db, tenant, membership) -> Notice | None:
    entitlement = entitlements.tenant_entitlement(db, tenant)
    state, until = entitlement.state, entitlement.until
    if state == entitlements.ACTIVE:
        return None
    account = entitlement.account
    person = consultancy.membership_of(db, current_user) if account is not None and account.is_consultancy else None
    owner = person is not None and person.account_id == account.id and person.role == OWNER
    if state == entitlements.CONTRACT_ENDED:
        advice = _("Its data will be deleted after the grace period; an administrator can export it until then.")
        url = url_for("exit.index") if "admin" in membership.roles else None
        return Notice("blocked", _("Contract ended"), str(entitlements.MESSAGES[state]), advice, url,
                      _("Export all data") if url else None)
    if state == entitlements.ARCHIVED:
        advice = _("Ask your consultancy to restore it if you need to add new things.")
    elif account is not None and account.is_consultancy:
        advice = _("The consultancy %(name)s manages the subscription.", name=account.name)
    else:
        advice = _("Ask an administrator of %(name)s to see to the subscription.", name=tenant.name)
    url = label = None
    if owner:
        url, label = url_for("billing_public.account"), _("Go to the consultancy's billing page")
    elif "admin" in membership.roles and not (account is not None and account.is_consultancy):
        url, label = url_for("billing.page"), _("Go to the billing page")
    if state == entitlements.TRIALING:
        days = max(0, math.ceil((until - utcnow()).total_seconds() / 86400)) if until else 0
        message = ngettext("The free trial ends in %(num)d day, on %(date)s.",
                           "The free trial ends in %(num)d days, on %(date)s.", days, date=_day(until)) \
            if until else _("This organisation is on a free trial.")
        return Notice("warning", _("Free trial"), message, advice, url, label)
    if state == entitlements.PAST_DUE and entitlement.writable:
        message = _("The last payment did not go through. Everything keeps working until %(date)s; after that "
                    "this organisation becomes read-only until it is paid.", date=_day(until))
        return Notice("warning", _("Payment overdue"), message, advice, url, label)
    titles = {entitlements.PAST_DUE: _("Payment overdue: read-only"), entitlements.CANCELED: _("Subscription ended"),
              entitlements.TRIAL_ENDED: _("Trial ended"), entitlements.ARCHIVED: _("Archived")}
    return Notice("blocked", titles.get(state, _("Read-only")), str(entitlements.MESSAGES.get(state, "")),
                  advice, url, label)


def _day(moment: datetime | None) -> str:
    return format_date(moment, "long") if moment else ""
