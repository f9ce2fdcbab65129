"""One unit never sees or changes another's rows, and nothing is read without a unit chosen."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text

from core.organizations.models import Organization
from core.tenancy import CrossTenantWrite, TenantNotSet, host_scope, use_tenant
from tests.records import build_every_record, tenant_models

MODELS = tenant_models()


@pytest.fixture
def two_units(db, tenant, other_tenant):
    """Every tenant-owned record, once in each of two units."""
    with use_tenant(tenant.id):
        my_ids = {m: r.id for m, r in build_every_record(db.session, "甲").items()}
        db.session.commit()
    with use_tenant(other_tenant.id):
        their_ids = {m: r.id for m, r in build_every_record(db.session, "乙").items()}
        db.session.commit()
    ids = (my_ids, their_ids)
    units = _Unit(tenant.id), _Unit(other_tenant.id)
    db.session.expunge_all()  # later reads must come from the database, not the identity map
    return (*units, ids)


class _Unit:
    """A unit's id, kept after the session forgets the Tenant object."""

    def __init__(self, id: int) -> None:
        self.id = id


def test_every_tenant_model_has_a_builder(db, tenant):
    with use_tenant(tenant.id):
        built = build_every_record(db.session, "全")
    missing = [m.__name__ for m in MODELS if m not in built]
    assert not missing, f"add these models to tests/records.py: {missing}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_other_units_rows_are_invisible(db, two_units, model):
    mine, theirs, (my_ids, their_ids) = two_units
    with use_tenant(mine.id):
        seen = db.session.scalars(select(model)).all()
        assert {r.id for r in seen} == {my_ids[model]}
        assert {r.tenant_id for r in seen} == {mine.id}
        assert db.session.scalar(select(model).where(model.id == their_ids[model])) is None
        assert db.session.scalar(select(func.count()).select_from(model)) == 1


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_other_units_rows_are_unwritable(db, two_units, model):
    mine, theirs, (my_ids, their_ids) = two_units
    with use_tenant(mine.id):
        result = db.session.execute(delete(model).where(model.id == their_ids[model]))
        assert result.rowcount == 0
        db.session.commit()
    with host_scope():
        their_row = db.session.get(model, their_ids[model])
    assert their_row is not None, "the other unit's row must survive"
    with use_tenant(mine.id):
        db.session.delete(their_row)
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_query_without_a_unit_fails_closed(db, two_units, model):
    with pytest.raises(TenantNotSet):
        db.session.scalars(select(model)).all()
    db.session.rollback()


def test_new_rows_are_stamped_with_the_current_unit(db, tenant):
    with use_tenant(tenant.id):
        org = Organization(code="N1", name="新支部", kind="branch", established_on=__import__("datetime").date(2024, 1, 1))
        db.session.add(org)
        db.session.commit()
        assert org.tenant_id == tenant.id


def test_creating_a_row_for_another_unit_is_refused(db, tenant, other_tenant):
    import datetime as dt

    with use_tenant(tenant.id):
        db.session.add(
            Organization(tenant_id=other_tenant.id, code="X", name="越权支部", kind="branch", established_on=dt.date(2024, 1, 1))
        )
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_creating_a_row_without_a_unit_is_refused(db):
    import datetime as dt

    db.session.add(Organization(code="X", name="无主支部", kind="branch", established_on=dt.date(2024, 1, 1)))
    with pytest.raises(TenantNotSet):
        db.session.flush()
    db.session.rollback()


def test_moving_a_row_to_another_unit_is_refused(db, two_units):
    mine, theirs, (my_ids, _) = two_units
    with use_tenant(mine.id):
        org = db.session.get(Organization, my_ids[Organization])
        org.tenant_id = theirs.id
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_host_scope_reads_every_unit(db, two_units):
    with host_scope():
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 2


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_row_level_security_hides_other_units_from_raw_sql(db, two_units, model, is_postgres):
    """PostgreSQL's second wall: SQL that skips the ORM filter still sees one unit only."""
    if not is_postgres:
        pytest.skip("row-level security is a PostgreSQL feature")
    mine, theirs, (my_ids, their_ids) = two_units
    table = model.__table__.name
    with use_tenant(mine.id):
        rows = db.session.execute(text(f"SELECT id, tenant_id FROM {table}")).all()
        assert {r.tenant_id for r in rows} == {mine.id}
        changed = db.session.execute(
            text(f"DELETE FROM {table} WHERE id = :id"), {"id": their_ids[model]}
        ).rowcount
        assert changed == 0
        db.session.rollback()
    # No unit chosen: raw SQL sees nothing at all.
    assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
    db.session.rollback()


def test_application_role_does_not_own_the_tables(db, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL only")
    current = db.session.execute(text("SELECT current_user")).scalar()
    owner = db.session.execute(
        text("SELECT tableowner FROM pg_tables WHERE tablename = 'member'")
    ).scalar()
    assert current == "branchmark_app"
    assert owner != current
