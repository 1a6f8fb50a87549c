"""SCIM provisioning's rules: the tenant's token, people and groups as the identity provider sends them, and
what they mean in Koers (a membership while active; roles and legacy organisation from mapped groups).

Every function works inside the tenant the request entered (tenants.scoping); the views commit. Refusals are
`ScimError`s (status, scimType, detail), shown to the provider as RFC 7644 error documents.

- A person is found or made by address (the primary e-mail, else the first, else a userName that is one):
  the provider vouches for it, so a new account counts as confirmed and has no password (they sign in
  through single sign-on, or choose one with "forgot password"). An account someone made for that address
  without ever confirming it is taken back: its password and sessions end.
- `active: false` or DELETE ends the membership (the account's roles and legacy organisation here go with it):
  every request into a tenant looks the membership up (tenants.guards), so this tenant is closed to the person
  at the next click. The account's session stamp rotates (every session ends) only when it has no membership
  left anywhere: one tenant's provider does not sign a person out of the other tenants they belong to.
  Answers are anonymous and stay as they are; the account itself stays (it may belong to other tenants)
  under the existing rules for accounts.
"""
from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from scim2_models import Context, EnterpriseUser, Group, PatchOp, User
from sqlalchemy import func, select

from saas.administration.service import add_member
from saas.auth.models import User as Account
from saas.auth.service import find_user, normalise_email
from saas.kernel import audit
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel.tokens import hash_token
from saas.scim.models import ScimGroup, ScimGroupMapping, ScimGroupMember, ScimToken, ScimUser
from tenants.models import Membership, MembershipRole, Role
from tenants.scoping import scoped
from tenants.service import get_legacy_org

UserModel = User[EnterpriseUser]  # what Entra ID sends: the core schema and the enterprise extension
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
# the attributes of a person Koers publishes and keeps; whatever else a provider sends is not stored
USER_ATTRIBUTES = ("userName", "name", "displayName", "emails", "active", "externalId")
MAX_RESULTS = 200
PLACEHOLDER_DOMAIN = "scim.invalid"
NO_PASSWORD = "!scim"  # matches no password: the account signs in through single sign-on or a reset link


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def not_found(kind: str) -> ScimError:
    return ScimError(404, f"No {kind} with this id in this tenant.")


# ---- the token -------------------------------------------------------------------------------

def new_token(db, *, by_user_id: int | None = None) -> str:
    """A fresh token for the tenant in scope; the one before stops working. Only its hash is kept."""
    token = "koers-scim-" + secrets.token_urlsafe(32)
    row = db.scalar(select(ScimToken))
    if row is None:
        row = ScimToken()
        db.add(row)
    row.token_hash, row.created_at, row.created_by_id = hash_token(token), utcnow(), by_user_id
    db.flush()
    audit.record(db, "settings.scim_token", obj=row, detail={"rotated": True})  # never the token
    return token


def token_made(db):
    """When the tenant's token was made (None: there is none)."""
    return db.scalar(select(ScimToken.created_at))


def token_valid(db, token: str) -> bool:
    return bool(token) and db.scalar(select(ScimToken.id).where(ScimToken.token_hash == hash_token(token))) is not None


# ---- reading what the provider sent ----------------------------------------------------------

def parse(model, body, context: Context):
    if not isinstance(body, dict):
        raise ScimError(400, "The request body is not a JSON object.", "invalidSyntax")
    try:
        return model.model_validate(body, scim_ctx=context)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem.get("loc", ()))
        scim_type = "mutability" if "mutab" in problem.get("msg", "") else "invalidValue"
        raise ScimError(400, f"{where}: {problem.get('msg')}" if where else str(problem.get("msg")), scim_type)
    except ValueError as error:
        raise ScimError(400, str(error), "invalidValue")


_FILTER = re.compile(r'^\s*(\w+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def parse_filter(text: str | None, allowed: dict[str, str]) -> tuple[str, str] | None:
    """`attribute eq "value"` for an attribute in `allowed` (lower-case name → column): the filters Entra ID
    and the checkers send. Anything else is refused as an invalid filter."""
    if not text:
        return None
    match = _FILTER.match(text)
    if not match or match.group(1).lower() not in allowed:
        raise ScimError(400, "Only the filter 'attribute eq \"value\"' is supported, on "
                        + ", ".join(sorted(allowed)) + ".", "invalidFilter")
    return allowed[match.group(1).lower()], match.group(2).replace('\\"', '"').replace("\\\\", "\\")


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    start: int


def _page(db, query, count_query, start: int, count: int) -> Page:
    start = max(start, 1)
    count = min(max(count, 0), MAX_RESULTS)
    total = db.scalar(count_query)
    items = list(db.scalars(query.offset(start - 1).limit(count))) if count else []
    return Page(items, total, start)


# ---- people ----------------------------------------------------------------------------------

def get_user(db, resource_id: str) -> ScimUser:
    found = db.scalar(select(ScimUser).where(ScimUser.resource_id == resource_id))
    if found is None:
        raise not_found("User")
    return found


def list_users(db, filter_text: str | None, start: int, count: int) -> Page:
    wanted = parse_filter(filter_text, {"username": "user_name_key", "externalid": "external_id"})
    query = select(ScimUser)
    if wanted:
        column, value = wanted
        query = query.where(getattr(ScimUser, column) == (value.lower() if column == "user_name_key" else value))
    return _page(db, query.order_by(ScimUser.id), select(func.count()).select_from(query.subquery()), start, count)


def create_user(db, resource) -> ScimUser:
    attributes = _kept(resource)
    _check_user_name_free(db, attributes["userName"])
    resource_id = str(uuid.uuid4())
    account = _account_for(db, attributes, resource_id)
    if db.scalar(select(ScimUser.id).where(ScimUser.user_id == account.id)) is not None:
        raise ScimError(409, "This person is provisioned already (the same e-mail address).", "uniqueness")
    scim_user = ScimUser(resource_id=resource_id, user_id=account.id, user=account, active=False, attributes={})
    db.add(scim_user)
    _store(scim_user, attributes)
    db.flush()
    _apply_active(db, scim_user, attributes.get("active", True) is not False)
    return scim_user


def replace_user(db, scim_user: ScimUser, resource) -> ScimUser:
    attributes = _kept(resource)
    if attributes["userName"].lower() != scim_user.user_name_key:
        _check_user_name_free(db, attributes["userName"])
    _store(scim_user, attributes)
    _rename(db, scim_user.user, attributes)
    _apply_active(db, scim_user, attributes.get("active", True) is not False)
    return scim_user


_TYPED = re.compile(r'^(\w+)\[type eq "([^"]*)"\]\.(\w+)$', re.IGNORECASE)


def _typed_values_created(body, attributes: dict):
    """Entra ID sets a person's first work address as `{"op": "Add", "path": "emails[type eq \"work\"].value"}`:
    when no value of that type exists yet, the value is added with that type (as Entra expects)."""
    if not isinstance(body, dict) or not isinstance(body.get("Operations"), list):
        return body
    operations = []
    for operation in body["Operations"]:
        match = _TYPED.match(operation.get("path") or "") if isinstance(operation, dict) and \
            isinstance(operation.get("path"), str) else None
        if match and str(operation.get("op", "")).lower() in ("add", "replace"):
            name, kind, sub = match.groups()
            present = [v for v in attributes.get(name) or [] if isinstance(v, dict) and v.get("type") == kind]
            if not present:
                operation = {"op": "add", "path": name, "value": [{"type": kind, sub: operation.get("value")}]}
        operations.append(operation)
    return {**body, "Operations": operations}


def patch_user(db, scim_user: ScimUser, body) -> ScimUser:
    patch = parse(PatchOp[UserModel], _typed_values_created(body, scim_user.attributes), Context.RESOURCE_PATCH_REQUEST)
    current = UserModel.model_validate(user_resource(scim_user), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    try:
        patch.patch(current)
    except (ValueError, LookupError, TypeError) as error:
        raise ScimError(400, f"The patch does not apply: {error}", "invalidPath") from error
    return replace_user(db, scim_user, current)


def delete_user(db, scim_user: ScimUser) -> None:
    _apply_active(db, scim_user, False)
    for row in db.scalars(select(ScimGroupMember).where(ScimGroupMember.scim_user_id == scim_user.id)):
        db.delete(row)
    db.flush()  # the rows first (see delete_group)
    db.delete(scim_user)
    db.flush()


def user_resource(scim_user: ScimUser, location: str | None = None) -> dict:
    resource = {"schemas": [USER_SCHEMA], "id": scim_user.resource_id, **scim_user.attributes}
    resource["meta"] = _meta("User", scim_user, location)
    return resource


def _kept(resource) -> dict:
    data = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    kept = {key: data[key] for key in USER_ATTRIBUTES if data.get(key) is not None}
    if not kept.get("userName", "").strip():
        raise ScimError(400, "userName is required.", "invalidValue")
    if len(kept["userName"]) > 254:
        raise ScimError(400, "userName is longer than 254 characters.", "invalidValue")
    if len(kept.get("externalId") or "") > 254:
        raise ScimError(400, "externalId is longer than 254 characters.", "invalidValue")
    return kept


def _store(scim_user: ScimUser, attributes: dict) -> None:
    scim_user.user_name = attributes["userName"]
    scim_user.user_name_key = attributes["userName"].lower()
    scim_user.external_id = attributes.get("externalId")
    scim_user.attributes = dict(attributes)  # `active` as sent (absent: active), for the membership: the column
    scim_user.updated_at = utcnow()


def _check_user_name_free(db, user_name: str) -> None:
    if db.scalar(select(ScimUser.id).where(ScimUser.user_name_key == user_name.lower())) is not None:
        raise ScimError(409, "A User with this userName exists already.", "uniqueness")


def _address(attributes: dict) -> str | None:
    """The person's address: the primary e-mail, else the first, else a userName that is one (None: none)."""
    emails = [email for email in attributes.get("emails") or [] if email.get("value")]
    chosen = next((email["value"] for email in emails if email.get("primary")), None) \
        or (emails[0]["value"] if emails else None) or attributes["userName"]
    address = normalise_email(chosen)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address) or len(address) > 254:
        return None
    return address


def _placeholder(resource_id: str) -> str:
    """The account's address while the provider sends none (RFC 7643 needs none; Entra ID always sends one): a
    reserved domain that no mail reaches; the first real address the provider sends replaces it."""
    return f"{resource_id}@{PLACEHOLDER_DOMAIN}"


def _display(attributes: dict) -> str:
    name = attributes.get("name") or {}
    parts = " ".join(part for part in (name.get("givenName"), name.get("familyName")) if part)
    return (attributes.get("displayName") or name.get("formatted") or parts or attributes["userName"]).strip()[:120]


def _account_for(db, attributes: dict, resource_id: str) -> Account:
    address = _address(attributes) or _placeholder(resource_id)
    account = find_user(db, address)
    if account is None:
        account = Account(email=address, name=_display(attributes), password_hash=NO_PASSWORD,
                          email_verified_at=utcnow())
        db.add(account)
        db.flush()
    elif not account.email_verified:
        # Someone made this account without ever showing the address is theirs; the organisation's provider
        # vouches that it is its employee's: the password and the sessions of whoever made it end.
        account.password_hash = NO_PASSWORD
        account.email_verified_at = utcnow()
        account.rotate_session_stamp()
    return account


def _rename(db, account: Account, attributes: dict) -> None:
    """The provider's name for the person; its first real address replaces a placeholder (an address the account
    has otherwise stays: the account may belong to other tenants, and signs in with it)."""
    account.name = _display(attributes)
    address = _address(attributes)
    if account.email.endswith("@" + PLACEHOLDER_DOMAIN) and address and find_user(db, address) is None:
        account.email = address


def _apply_active(db, scim_user: ScimUser, active: bool) -> None:
    """Active: a member of the tenant (roles and legacy organisation from the mapped groups). Not active: no
    membership here (closed at once: the guard reads it on every request); the account's sessions end too when
    it belongs to no other tenant."""
    membership = db.scalar(select(Membership).where(Membership.user_id == scim_user.user_id))
    scim_user.active = active
    if active:
        if membership is None:
            membership = add_member(db, scim_user.user, [Role.MEMBER], None)
        _sync_membership(db, scim_user, membership)
        return
    if membership is not None:
        gone = {"user_id": membership.user_id, "roles": sorted(membership.roles), "by": "SCIM"}
        if Role.ADMIN in membership.roles and not _another_admin(db, membership):
            raise audit.refused(ScimError(409, "This person is the tenant's last administrator: make someone else "
                                          "administrator first.", "mutability"),
                                "membership.deactivated", obj=membership, detail=gone)
        audit.record(db, "membership.deactivated", obj=membership, detail=gone)
        db.delete(membership)
        db.flush()
    if not _member_elsewhere(db, scim_user.user_id):
        scim_user.user.rotate_session_stamp()


def _member_elsewhere(db, user_id: int) -> bool:
    """Whether the account is still a member of some tenant (this one's membership is gone by now): read as
    the account's own memberships, which row-level security shows by `app.user_id` (no crossing tenants)."""
    with scoped(db, user_id=user_id):
        return db.scalar(select(Membership.id).where(Membership.user_id == user_id).limit(1)
                         .execution_options(own_memberships=True)) is not None


def _another_admin(db, membership: Membership) -> bool:
    return bool(db.scalar(select(func.count()).select_from(MembershipRole)
                          .where(MembershipRole.role == Role.ADMIN, MembershipRole.membership_id != membership.id)))


def _sync_membership(db, scim_user: ScimUser, membership: Membership) -> None:
    """Roles that some mapping gives follow the person's groups; other roles stay as the admin set them.
    The legacy organisation is the first (by name) a group of theirs maps to, when one does."""
    mappings = list(db.scalars(select(ScimGroupMapping)))
    if not mappings:
        return
    names = {name.lower() for name in db.scalars(
        select(ScimGroup.display_name).join(ScimGroupMember, ScimGroupMember.group_id == ScimGroup.id)
        .where(ScimGroupMember.scim_user_id == scim_user.id))}
    mine = [mapping for mapping in mappings if mapping.display_name.lower() in names]
    before = (sorted(membership.roles), membership.legacy_org_id)
    managed = {mapping.role for mapping in mappings if mapping.role}
    wanted = {mapping.role for mapping in mine if mapping.role}
    for row in list(membership.role_rows):
        if row.role in managed and row.role not in wanted:
            if row.role == Role.ADMIN and not _another_admin(db, membership):
                continue  # never the tenant's last administrator
            membership.role_rows.remove(row)
    for role in sorted(wanted - membership.roles):
        membership.role_rows.append(MembershipRole(role=role))
    if not membership.role_rows:
        membership.role_rows.append(MembershipRole(role=Role.MEMBER.value))
    organisations = sorted((mapping.display_name.lower(), mapping.legacy_org_id) for mapping in mine
                           if mapping.legacy_org_id)
    if organisations:
        membership.legacy_org_id = organisations[0][1]
    if (sorted(membership.roles), membership.legacy_org_id) != before:
        audit.record(db, "membership.roles", obj=membership, detail={
            "user_id": membership.user_id, "roles": {"from": before[0], "to": sorted(membership.roles)},
            "legacy_org_id": {"from": before[1], "to": membership.legacy_org_id}, "by": "SCIM"})
    db.flush()


def sync_all(db) -> None:
    """After the mapping changed: every active provisioned person's roles and legacy organisation again."""
    memberships = {m.user_id: m for m in db.scalars(select(Membership))}
    for scim_user in db.scalars(select(ScimUser).where(ScimUser.active.is_(True))):
        if scim_user.user_id in memberships:
            _sync_membership(db, scim_user, memberships[scim_user.user_id])


def _meta(kind: str, row, location: str | None) -> dict:
    meta = {"resourceType": kind, "created": _iso(row.created_at), "lastModified": _iso(row.updated_at)}
    if location:
        meta["location"] = location
    return meta


def _iso(moment) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


# ---- groups ----------------------------------------------------------------------------------

def get_group(db, resource_id: str) -> ScimGroup:
    found = db.scalar(select(ScimGroup).where(ScimGroup.resource_id == resource_id))
    if found is None:
        raise not_found("Group")
    return found


def list_groups(db, filter_text: str | None, start: int, count: int) -> Page:
    wanted = parse_filter(filter_text, {"displayname": "display_name", "externalid": "external_id"})
    query = select(ScimGroup)
    if wanted:
        column, value = wanted
        query = query.where(getattr(ScimGroup, column) == value)
    return _page(db, query.order_by(ScimGroup.id), select(func.count()).select_from(query.subquery()), start, count)


def create_group(db, resource) -> ScimGroup:
    group = ScimGroup(resource_id=str(uuid.uuid4()))
    db.add(group)
    _store_group(db, group, resource, members=[])
    return group


def replace_group(db, group: ScimGroup, resource) -> ScimGroup:
    _store_group(db, group, resource, members=_members(db, group))
    return group


def _removals_by_value(body):
    """Entra ID removes group members as `{"op": "Remove", "path": "members", "value": [{"value": id}]}`, which
    RFC 7644 §3.5.2.2 writes as a filter in the path: one `members[value eq "id"]` removal per member."""
    if not isinstance(body, dict) or not isinstance(body.get("Operations"), list):
        return body
    operations = []
    for operation in body["Operations"]:
        values = operation.get("value") if isinstance(operation, dict) else None
        if (isinstance(operation, dict) and str(operation.get("op", "")).lower() == "remove"
                and isinstance(operation.get("path"), str) and "[" not in operation["path"]
                and isinstance(values, list) and values and all(isinstance(v, dict) and isinstance(v.get("value"), str)
                                                                 for v in values)):
            path = operation["path"]
            operations += [{"op": "remove", "path": f'{path}[value eq "{v["value"].replace(chr(34), "")}"]'}
                           for v in values]
        else:
            operations.append(operation)
    return {**body, "Operations": operations}


def patch_group(db, group: ScimGroup, body) -> ScimGroup:
    patch = parse(PatchOp[Group], _removals_by_value(body), Context.RESOURCE_PATCH_REQUEST)
    current = Group.model_validate(group_resource(db, group), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    try:
        patch.patch(current)
    except (ValueError, LookupError, TypeError) as error:
        raise ScimError(400, f"The patch does not apply: {error}", "invalidPath") from error
    return replace_group(db, group, current)


def delete_group(db, group: ScimGroup) -> None:
    members = _members(db, group)
    for row in db.scalars(select(ScimGroupMember).where(ScimGroupMember.group_id == group.id)):
        db.delete(row)
    db.flush()  # the rows first: the unit of work knows no tie between them and might delete the group first
    db.delete(group)
    db.flush()
    _resync(db, members)


def group_resource(db, group: ScimGroup, location: str | None = None) -> dict:
    resource = {"schemas": [GROUP_SCHEMA], "id": group.resource_id, "displayName": group.display_name}
    if group.external_id:
        resource["externalId"] = group.external_id
    rows = list(db.execute(select(ScimUser.resource_id, ScimGroupMember.display)
                           .join(ScimGroupMember, ScimGroupMember.scim_user_id == ScimUser.id)
                           .where(ScimGroupMember.group_id == group.id).order_by(ScimUser.id))) if group.id else []
    if rows:
        base = location.rsplit("/Groups/", 1)[0] if location else ""
        resource["members"] = [{"value": value, "$ref": f"{base}/Users/{value}", "type": "User",
                                **({"display": display} if display else {})} for value, display in rows]
    resource["meta"] = _meta("Group", group, location)
    return resource


def _members(db, group: ScimGroup) -> list[ScimUser]:
    if group.id is None:
        return []
    return list(db.scalars(select(ScimUser).join(ScimGroupMember, ScimGroupMember.scim_user_id == ScimUser.id)
                           .where(ScimGroupMember.group_id == group.id).order_by(ScimUser.id)))


def _store_group(db, group: ScimGroup, resource, members: list[ScimUser]) -> None:
    data = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    name = (data.get("displayName") or "").strip()
    if not name or len(name) > 254:
        raise ScimError(400, "displayName is required (at most 254 characters).", "invalidValue")
    if len(data.get("externalId") or "") > 254:
        raise ScimError(400, "externalId is longer than 254 characters.", "invalidValue")
    group.display_name, group.external_id, group.updated_at = name, data.get("externalId"), utcnow()
    db.flush()
    displays = {member.get("value"): member.get("display") for member in data.get("members") or []}
    wanted_ids = [value for value in displays if value]
    wanted = list(db.scalars(select(ScimUser).where(ScimUser.resource_id.in_(wanted_ids)))) if wanted_ids else []
    if len({user.resource_id for user in wanted}) != len(set(wanted_ids)):
        raise ScimError(400, "A member is not a User of this tenant.", "invalidValue")
    before = {user.id for user in members}
    after = {user.id for user in wanted}
    resource_ids = {user.id: user.resource_id for user in wanted}
    for row in db.scalars(select(ScimGroupMember).where(ScimGroupMember.group_id == group.id)):
        if row.scim_user_id not in after:
            db.delete(row)
        else:
            row.display = (displays.get(resource_ids[row.scim_user_id]) or "")[:254] or None
    for user_id in sorted(after - before):
        db.add(ScimGroupMember(group_id=group.id, scim_user_id=user_id,
                               display=(displays.get(resource_ids[user_id]) or "")[:254] or None))
    db.flush()
    _resync(db, [user for user in members + wanted if user.id in before ^ after])


def _resync(db, scim_users) -> None:
    for scim_user in {user.id: user for user in scim_users}.values():
        if scim_user.active:
            membership = db.scalar(select(Membership).where(Membership.user_id == scim_user.user_id))
            if membership is not None:
                _sync_membership(db, scim_user, membership)


# ---- the admin's mapping ---------------------------------------------------------------------

def mappings(db) -> list[ScimGroupMapping]:
    return list(db.scalars(select(ScimGroupMapping).order_by(ScimGroupMapping.display_name)))


def get_mapping(db, mapping_id: int) -> ScimGroupMapping | None:
    return db.scalar(select(ScimGroupMapping).where(ScimGroupMapping.id == mapping_id))


class MappingTaken(DomainError):
    default_message = _l("This group is mapped already: remove its mapping first.")


def add_mapping(db, *, display_name: str, target: str) -> ScimGroupMapping:
    """Map the provider's group `display_name` to `target`: "org:<id>" (a legacy organisation) or "role:<role>"."""
    name = (display_name or "").strip()
    if not name:
        raise DomainError(_l("Give the group's name as the identity provider sends it."), field="display_name")
    if db.scalar(select(ScimGroupMapping.id).where(func.lower(ScimGroupMapping.display_name) == name.lower())):
        raise MappingTaken(field="display_name")
    kind, _, value = (target or "").partition(":")
    mapping = ScimGroupMapping(display_name=name)
    if kind == "org" and value.isdigit() and get_legacy_org(db, int(value)) is not None:
        mapping.legacy_org_id = int(value)
    elif kind == "role" and value in {role.value for role in Role}:
        mapping.role = value
    else:
        raise DomainError(_l("Choose a legacy organisation or a role from the list."), field="target")
    db.add(mapping)
    db.flush()
    audit.record(db, "settings.scim_mapping", obj=mapping, detail={
        "added": name, "role": mapping.role, "legacy_org_id": mapping.legacy_org_id})
    sync_all(db)
    return mapping


def delete_mapping(db, mapping: ScimGroupMapping) -> None:
    audit.record(db, "settings.scim_mapping", obj=mapping, detail={
        "removed": mapping.display_name, "role": mapping.role, "legacy_org_id": mapping.legacy_org_id})
    db.delete(mapping)
    db.flush()
    sync_all(db)
