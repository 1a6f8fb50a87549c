"""SCIM 2.0 at /t/<slug>/scim/v2 (RFC 7643, 7644) and the admin's provisioning page.

The API answers the tenant's identity provider, not a person: no session, no CSRF token, a bearer token per
tenant checked before every view (after the tenant is entered, so a token opens only its own tenant). Every
refusal is a SCIM error document with a 4xx status; a write is one transaction."""
from __future__ import annotations

import logging

from flask import abort, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from scim2_models import (
    AuthenticationScheme, Bulk, ChangePassword, Context, ETag, Filter, Group, Patch, ResourceType,
    ServiceProviderConfig, Sort, User,
)
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from saas.kernel import audit
from saas.kernel.db import session
from saas.kernel.errors import DomainError
from saas.kernel.extensions import csrf
from saas.kernel.views import press_confirmed, submit
from saas.programme.people import ROLE_LABELS
from saas.scim import service
from saas.scim.forms import GroupMappingForm
from saas.scim.service import ScimError
from tenants import service as tenancy
from tenants.guards import public_in_tenant, requires, tenant_blueprint
from tenants.models import Role

log = logging.getLogger(__name__)
api = tenant_blueprint("scim", __name__, url_prefix="/scim/v2")
admin = tenant_blueprint("provisioning", __name__, url_prefix="/admin/provisioning")
csrf.exempt(api)

MEDIA_TYPE = "application/scim+json"
MAX_BODY = 1_000_000  # a group of some 10,000 members; bulk requests are not offered
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


# ---- the provider's side: authentication and errors -----------------------------------------

@api.before_request
def _authenticate():
    """After the tenant is entered (tenants.guards): the bearer token must be this tenant's. A body larger
    than a person or a group could be is refused before anything is read."""
    if (request.content_length or 0) > MAX_BODY:
        raise ScimError(413, f"The request body is larger than {MAX_BODY} bytes.")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not service.token_valid(session(), token.strip()):
        raise ScimError(401, "A valid bearer token for this tenant is required.")
    audit.act_in_request(audit.Actor("SCIM"), "scim")  # the identity provider acts, through the tenant's token


@api.errorhandler(ScimError)
def _scim_error(error: ScimError):
    session().rollback()
    audit.keep_refusal(session(), error)  # a refusal the service marked (the last administrator)
    return _error(error.status, error.detail, error.scim_type)


@api.errorhandler(DomainError)
def _domain_error(error: DomainError):
    session().rollback()
    audit.keep_refusal(session(), error)
    return _error(error.status if error.status in (403, 409) else 400, str(error.message))  # 403: read-only


@api.errorhandler(IntegrityError)
def _integrity_error(_error):
    session().rollback()
    return _error(409, "This conflicts with a resource that exists already.", "uniqueness")


@api.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    session().rollback()
    if error.code == 404 and g.get("tenant") is None:  # no such tenant: as a wrong token, so no tenant's existence leaks
        return _error(401, "A valid bearer token for this tenant is required.")
    status = error.code or 500
    return _error(status if 400 <= status < 500 else 400, error.description or error.name)


@api.errorhandler(Exception)
def _unexpected(error: Exception):
    """A fault of Koers: logged as every other (saas.kernel.errors), answered as a SCIM error."""
    session().rollback()
    log.exception("SCIM request failed", exc_info=error)
    return _error(500, "Koers could not handle this request; it has been logged.")


def _error(status: int, detail: str, scim_type: str | None = None):
    """An RFC 7644 §3.12 error document."""
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    response = _json(body, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="SCIM"'
    return response


def _json(body, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    return response


def _body():
    return request.get_json(force=True, silent=True)


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ScimError(400, f"{name} must be a whole number.", "invalidValue")


def _commit():
    session().commit()


# ---- discovery (RFC 7644 §4) -----------------------------------------------------------------

def _base() -> str:
    return url_for("scim.service_provider_config", _external=True).rsplit("/", 1)[0]


def _user_schema():
    schema = User.to_schema()
    schema.attributes = [a for a in schema.attributes
                         if a.name in ("userName", "name", "displayName", "active", "emails", "groups")]
    return schema


def _schemas() -> list:
    return [_user_schema(), Group.to_schema()]


def _resource_types() -> list:
    user = ResourceType.from_resource(User)
    group = ResourceType.from_resource(Group)
    return [user, group]


def _dump(model, location: str | None = None) -> dict:
    data = model.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    if location:
        data.setdefault("meta", {})["location"] = location
    return data


@api.route("/ServiceProviderConfig")
@public_in_tenant
def service_provider_config():
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=service.MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[AuthenticationScheme(
            type="oauthbearertoken", name="Bearer token",
            description="The tenant's SCIM token (its administrator makes one on the provisioning page).",
            primary=True)],
    )
    data = _dump(config, f"{_base()}/ServiceProviderConfig")
    data["meta"]["resourceType"] = "ServiceProviderConfig"
    return _json(data)


@api.route("/Schemas")
@public_in_tenant
def schemas():
    items = [_dump(schema, f"{_base()}/Schemas/{schema.id}") for schema in _schemas()]
    return _json({"schemas": [LIST_SCHEMA], "totalResults": len(items), "itemsPerPage": len(items),
                  "startIndex": 1, "Resources": items})


@api.route("/Schemas/<path:schema_id>")
@public_in_tenant
def schema(schema_id: str):
    for item in _schemas():
        if item.id == schema_id:
            return _json(_dump(item, f"{_base()}/Schemas/{item.id}"))
    raise ScimError(404, "No such schema.")


@api.route("/ResourceTypes")
@public_in_tenant
def resource_types():
    items = [_dump(item, f"{_base()}/ResourceTypes/{item.id}") for item in _resource_types()]
    return _json({"schemas": [LIST_SCHEMA], "totalResults": len(items), "itemsPerPage": len(items),
                  "startIndex": 1, "Resources": items})


@api.route("/ResourceTypes/<name>")
@public_in_tenant
def resource_type(name: str):
    for item in _resource_types():
        if item.id == name:
            return _json(_dump(item, f"{_base()}/ResourceTypes/{item.id}"))
    raise ScimError(404, "No such resource type.")


# ---- Users -----------------------------------------------------------------------------------

def _user_location(scim_user) -> str:
    return f"{_base()}/Users/{scim_user.resource_id}"


def _user(scim_user, status: int = 200):
    response = _json(_shaped(service.user_resource(scim_user, _user_location(scim_user)), _query_args()), status)
    if status == 201:
        response.headers["Location"] = _user_location(scim_user)
    return response


@api.route("/Users", methods=["GET"])
@public_in_tenant
def users():
    return _list_users(_query_args())


@api.route("/Users/.search", methods=["POST"])
@public_in_tenant
def search_users():
    return _list_users(_search_args())


def _list_users(query: dict):
    page = service.list_users(session(), query["filter"], query["startIndex"], query["count"])
    return _listing(page, [_shaped(service.user_resource(user, _user_location(user)), query) for user in page.items])


@api.route("/Users", methods=["POST"])
@public_in_tenant
def create_user():
    resource = service.parse(service.UserModel, _body(), Context.RESOURCE_CREATION_REQUEST)
    scim_user = service.create_user(session(), resource)
    _commit()
    return _user(scim_user, 201)


@api.route("/Users/<resource_id>", methods=["GET"])
@public_in_tenant
def user(resource_id: str):
    return _user(service.get_user(session(), resource_id))


@api.route("/Users/<resource_id>", methods=["PUT"])
@public_in_tenant
def replace_user(resource_id: str):
    db = session()
    scim_user = service.get_user(db, resource_id)
    resource = service.parse(service.UserModel, _body(), Context.RESOURCE_REPLACEMENT_REQUEST)
    service.replace_user(db, scim_user, resource)
    _commit()
    return _user(scim_user)


@api.route("/Users/<resource_id>", methods=["PATCH"])
@public_in_tenant
def patch_user(resource_id: str):
    db = session()
    scim_user = service.patch_user(db, service.get_user(db, resource_id), _body())
    _commit()
    return _user(scim_user)


@api.route("/Users/<resource_id>", methods=["DELETE"])
@public_in_tenant
def delete_user(resource_id: str):
    db = session()
    service.delete_user(db, service.get_user(db, resource_id))
    _commit()
    return "", 204


# ---- Groups ----------------------------------------------------------------------------------

def _group_location(group) -> str:
    return f"{_base()}/Groups/{group.resource_id}"


def _group(group, status: int = 200):
    response = _json(_shaped(service.group_resource(session(), group, _group_location(group)), _query_args()),
                     status)
    if status == 201:
        response.headers["Location"] = _group_location(group)
    return response


@api.route("/Groups", methods=["GET"])
@public_in_tenant
def groups():
    return _list_groups(_query_args())


@api.route("/Groups/.search", methods=["POST"])
@public_in_tenant
def search_groups():
    return _list_groups(_search_args())


def _list_groups(query: dict):
    db = session()
    page = service.list_groups(db, query["filter"], query["startIndex"], query["count"])
    return _listing(page, [_shaped(service.group_resource(db, group, _group_location(group)), query)
                           for group in page.items])


@api.route("/Groups", methods=["POST"])
@public_in_tenant
def create_group():
    resource = service.parse(Group, _body(), Context.RESOURCE_CREATION_REQUEST)
    group = service.create_group(session(), resource)
    _commit()
    return _group(group, 201)


@api.route("/Groups/<resource_id>", methods=["GET"])
@public_in_tenant
def group(resource_id: str):
    return _group(service.get_group(session(), resource_id))


@api.route("/Groups/<resource_id>", methods=["PUT"])
@public_in_tenant
def replace_group(resource_id: str):
    db = session()
    group = service.get_group(db, resource_id)
    resource = service.parse(Group, _body(), Context.RESOURCE_REPLACEMENT_REQUEST)
    service.replace_group(db, group, resource)
    _commit()
    return _group(group)


@api.route("/Groups/<resource_id>", methods=["PATCH"])
@public_in_tenant
def patch_group(resource_id: str):
    db = session()
    group = service.patch_group(db, service.get_group(db, resource_id), _body())
    _commit()
    return _group(group)


@api.route("/Groups/<resource_id>", methods=["DELETE"])
@public_in_tenant
def delete_group(resource_id: str):
    db = session()
    service.delete_group(db, service.get_group(db, resource_id))
    _commit()
    return "", 204


@api.route("/.search", methods=["POST"])
@public_in_tenant
def search_everything():
    raise ScimError(501, "Searching several resource types at once is not supported: search /Users or /Groups.")


@api.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@public_in_tenant
def unknown(anything: str):
    if anything.split("/")[0] in ENDPOINTS:
        raise ScimError(405, f"{request.method} is not allowed here.")
    raise ScimError(404, "No such SCIM endpoint.")


ENDPOINTS = ("ServiceProviderConfig", "Schemas", "ResourceTypes", "Users", "Groups")


# ---- which attributes are returned (RFC 7644 §3.4.2.5, §3.9) ------------------------------------

def _names(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [name.strip().rsplit(":", 1)[-1].lower() for name in value or [] if isinstance(name, str) and name.strip()]


def _query_args() -> dict:
    return {"filter": request.args.get("filter"), "startIndex": _int_arg("startIndex", 1),
            "count": _int_arg("count", service.MAX_RESULTS), "attributes": _names(request.args.get("attributes")),
            "excludedAttributes": _names(request.args.get("excludedAttributes"))}


def _search_args() -> dict:
    body = _body()
    if not isinstance(body, dict):
        raise ScimError(400, "The request body is not a JSON object.", "invalidSyntax")
    numbers = {}
    for name, default in (("startIndex", 1), ("count", service.MAX_RESULTS)):
        value = body.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ScimError(400, f"{name} must be a whole number.", "invalidValue")
        numbers[name] = value
    text = body.get("filter")
    if text is not None and not isinstance(text, str):
        raise ScimError(400, "filter must be a string.", "invalidFilter")
    return {"filter": text, **numbers, "attributes": _names(body.get("attributes")),
            "excludedAttributes": _names(body.get("excludedAttributes"))}


ALWAYS = ("schemas", "id")


def _shaped(resource: dict, query: dict) -> dict:
    """Only the attributes asked for (`attributes`), or all but `excludedAttributes`; id always."""
    keys = {key.lower(): key for key in resource}
    if query["attributes"]:
        shaped = {key: resource[key] for key in ALWAYS if key in resource}
        for path in query["attributes"]:
            top, _, sub = path.partition(".")
            key = keys.get(top)
            if key is None:
                continue
            if sub and isinstance(resource[key], dict):
                inner = {k.lower(): k for k in resource[key]}
                if sub in inner:
                    shaped.setdefault(key, {})[inner[sub]] = resource[key][inner[sub]]
            else:
                shaped[key] = resource[key]
        return shaped
    shaped = dict(resource)
    for path in query["excludedAttributes"]:
        top, _, sub = path.partition(".")
        key = keys.get(top)
        if key is None or key in ALWAYS:
            continue
        if sub and isinstance(shaped[key], dict):
            shaped[key] = {k: v for k, v in shaped[key].items() if k.lower() != sub}
        else:
            shaped.pop(key, None)
    return shaped


def _listing(page, resources: list[dict]):
    return _json({"schemas": [LIST_SCHEMA], "totalResults": page.total, "itemsPerPage": len(resources),
                  "startIndex": page.start, "Resources": resources})


# ---- the tenant admin's page -----------------------------------------------------------------

@admin.route("", methods=["GET", "POST"])
@requires(Role.ADMIN)
def index():
    db = session()
    organisations = tenancy.legacy_organisations(db)
    form = GroupMappingForm().offer(organisations)
    return submit(form, lambda: service.add_mapping(db, display_name=form.display_name.data, target=form.target.data),
                  done=lambda mapping: _("Members of %(group)s are now mapped.", group=mapping.display_name),
                  then=url_for("provisioning.index")) \
        or render_template("scim/provisioning.html", form=form, mappings=service.mappings(db),
                           token_made=service.token_made(db), role_labels=ROLE_LABELS,
                           organisations={org.id: f"{org.name} ({org.code})" for org in organisations},
                           base_url=url_for("scim.service_provider_config", _external=True).rsplit("/", 1)[0])


@admin.route("/token", methods=["GET", "POST"])
@requires(Role.ADMIN)
def token():
    db = session()
    had_one = service.token_made(db) is not None
    return press_confirmed(
        "rotate", lambda: service.new_token(db, by_user_id=current_user.id),
        title=_("Make a new SCIM token?") if had_one else _("Make a SCIM token?"),
        consequence=_("The token in use stops working at once: put the new one in the identity provider's "
                      "provisioning settings straight away.") if had_one else
        _("The token is shown once: copy it into the identity provider's provisioning settings."),
        button=_("Make a new token"),
        done=lambda new: _("The new SCIM token (shown only now, copy it): %(token)s", token=new),
        then=url_for("provisioning.index"))


@admin.route("/mappings/<int:mapping_id>/delete", methods=["GET", "POST"])
@requires(Role.ADMIN)
def delete_mapping(mapping_id: int):
    db = session()
    mapping = service.get_mapping(db, mapping_id)
    if mapping is None:
        abort(404)
    return press_confirmed(
        "delete", lambda: service.delete_mapping(db, mapping),
        title=_("Remove the mapping of %(group)s?", group=mapping.display_name),
        consequence=_("Members of this group keep what they have now, except a role the mapping gave: the next "
                      "change from the identity provider no longer gives it."),
        button=_("Remove the mapping"),
        done=_("The mapping has been removed."), then=url_for("provisioning.index"))
