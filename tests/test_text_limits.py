"""Text beyond a limit is refused with the limit named, never cut without a word (issue 17, defect 12).

A browser cuts a pasted text at an input's `maxlength` and says nothing, and a scripted client ignores it: so
no form field carries one, every text field has a server-side Length with a message that names the limit, and
every write, whatever its way in (a form, an import, the JSON API, a job), is checked against its column
(saas.kernel.db.check_lengths) instead of reaching the database (PostgreSQL: a 500) or being cut."""
import importlib
import inspect
import pkgutil
from datetime import date

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import String, select
from wtforms import EmailField, Form, PasswordField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from saas.kernel.db import Base, TooLong, check_lengths
from saas.kernel.errors import DomainError
from saas.programme import service as programme
from saas.programme.models import Programme
from tests.helpers import signed_in

PACKAGES = ("saas", "billing", "tenants")


def _forms():
    found = set()
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            if ".translations" in info.name or info.name.endswith((".cli", "__main__")):
                continue
            module = importlib.import_module(info.name)
            found.update(obj for obj in vars(module).values()
                         if inspect.isclass(obj) and issubclass(obj, Form) and obj.__module__ == module.__name__)
    return sorted(found, key=lambda form: (form.__module__, form.__name__))


def _text_fields(form):
    for name in dir(form):
        unbound = getattr(form, name, None)
        if isinstance(unbound, UnboundField) and issubclass(unbound.field_class, StringField) \
                and not issubclass(unbound.field_class, PasswordField) and unbound.field_class.__name__ != "HiddenField":
            yield name, unbound


def test_every_text_field_has_a_server_side_limit_that_its_message_names_and_no_maxlength(app):
    forms = _forms()
    assert len(forms) > 40, "the walk found the forms"
    field_macro = app.jinja_env.get_template("_forms.html").module.field
    problems, checked = [], 0
    with app.test_request_context():
        for form_class in forms:
            for name, unbound in _text_fields(form_class):
                limits = [v for v in unbound.kwargs.get("validators") or () if isinstance(v, Length) and v.max > 0]
                where = f"{form_class.__module__}.{form_class.__name__}.{name}"
                if not limits:
                    problems.append(f"{where}: no Length(max=...)")
                    continue
                limit = limits[0]
                if not issubclass(unbound.field_class, EmailField) \
                        and f"{limit.max}" not in str(limit.message % {"max": limit.max, "min": limit.min}):
                    problems.append(f"{where}: the message does not name the limit {limit.max}")
                form = form_class(meta={"csrf": False}) if issubclass(form_class, FlaskForm) else form_class()
                if "maxlength" in str(field_macro(form[name])):
                    problems.append(f"{where}: rendered with maxlength, which cuts a pasted text")
                checked += 1
    assert checked > 70 and problems == []


def test_every_string_column_refuses_a_longer_text_naming_its_limit():
    columns = 0
    for mapper in Base.registry.mappers:
        for attribute in mapper.column_attrs:
            column = attribute.columns[0]
            if not isinstance(column.type, String) or not column.type.length:
                continue
            limit = column.type.length
            instance = mapper.class_manager.new_instance()
            setattr(instance, attribute.key, "x" * limit)
            check_lengths(instance)  # exactly at the limit: fine
            setattr(instance, attribute.key, "x" * (limit + 1))
            with pytest.raises(TooLong) as refused:
                check_lengths(instance)
            assert refused.value.field == attribute.key and f"At most {limit} characters" in str(refused.value)
            columns += 1
    assert columns > 50


def test_a_service_call_without_a_form_gets_the_limit_not_a_database_error(app, make):
    tenant = make.tenant("oost")
    with pytest.raises(DomainError) as refused, make.session(tenant.id) as db:
        programme.create_programme(db, name="N" * 161, goal="", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    assert "At most 160 characters; this has 161." in str(refused.value)
    with make.session(tenant.id) as db:
        assert db.scalars(select(Programme)).all() == []


def test_a_long_pasted_name_is_refused_with_the_limit_and_shown_again_whole_in_dutch_too(app, make):
    tenant = make.tenant("oost")
    make.member(tenant, "mia@oost.example", roles=["management"])
    mia = signed_in(app, "mia@oost.example")
    page = mia.text("/t/oost/programmes/new")
    assert "maxlength" not in page
    name = "Samen verder " + "heel lang " * 16  # 173 characters, more than the 160 a name may have
    form = {"name": name, "goal": "One culture", "starts_on": "2026-01-05", "ends_on": "2026-12-18",
            "min_team_size": "4", "max_team_size": "10", "teams_per_person": "1", "min_legacy_orgs_per_team": "2"}
    response = mia.submit("/t/oost/programmes/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "A name has at most 160 characters." in page
    assert name.strip() in page  # shown again whole: nothing typed is lost
    mia.submit("/language", {"language": "nl"}, page="/t/oost/programmes/new")
    page = mia.submit("/t/oost/programmes/new", form).get_data(as_text=True)
    assert "160 tekens" in page
    with make.session(tenant.id) as db:
        assert db.scalars(select(Programme)).all() == []
