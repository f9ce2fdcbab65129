"""The database going away (PostgreSQL): the app's connections are terminated from an owner
connection (``pg_terminate_backend``, as a restart or an administrator would), between requests
and in the middle of one; the requests after it succeed without anyone restarting the app.

The shared server is never restarted: only this test database's backends are terminated.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from core.accounts.services import issue_token


@pytest.fixture
def pg(is_postgres):
    if not is_postgres:
        pytest.skip("terminating backends is a PostgreSQL test")


@pytest.fixture
def terminate(database_url, owner_engine):
    """``terminate()`` ends every other backend of the test database; returns how many."""
    killer = create_engine(database_url, poolclass=NullPool)

    def run(pid: int | None = None) -> int:
        with killer.connect() as conn:
            where = "pid = :pid" if pid else "datname = current_database() AND pid <> pg_backend_pid()"
            ended = conn.execute(text(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {where}"), {"pid": pid})
            return int(ended.scalar() or 0)

    yield run
    killer.dispose()
    owner_engine.dispose()  # its pooled connections were ended too


@pytest.fixture
def unit(db, tenant, make_organization, make_member, make_user):
    make_member(make_organization(tenant, "b1", name="第一党支部"), name="张三")
    user = make_user("unit_admin", tenant)
    token = issue_token(user, "restart")
    db.session.commit()
    return {"token": token, "user": user}


def _members(client, token):
    return client.get("/api/v1/units/caizhengju/members", headers={"Authorization": f"Bearer {token}"})


def test_requests_after_the_connections_were_ended_succeed(pg, app, db, client, unit, terminate, login):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    login(unit["user"])
    for _round in range(3):
        assert _members(client, unit["token"]).status_code == 200
        assert client.get("/units/caizhengju/members").status_code == 200
        db.session.remove()  # the request's connection back in the pool, as after a real request
        assert terminate() >= 1
        response = _members(client, unit["token"])
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert [m["name"] for m in response.get_json()] == ["张三"]
        page = client.get("/units/caizhengju/members")
        assert page.status_code == 200 and "张三" in page.get_data(as_text=True)


def test_a_request_whose_connection_dies_says_retry_and_the_next_succeeds(pg, app, db, client, unit, terminate):
    engine = db.engine
    killed: list[int] = []

    def die_mid_request(conn, cursor, statement, parameters, context, executemany):
        # Terminated just before the member list is read: the request has already
        # authenticated on this connection, so it dies mid-way.
        if not killed and "FROM member" in statement:
            killed.append(terminate(conn.connection.dbapi_connection.info.backend_pid))

    event.listen(engine, "before_cursor_execute", die_mid_request)
    try:
        response = _members(client, unit["token"])
    finally:
        event.remove(engine, "before_cursor_execute", die_mid_request)
    assert killed == [1]
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "数据库连接中断" in response.get_json()["message"]
    db.session.remove()
    for _attempt in range(3):
        again = _members(client, unit["token"])
        assert again.status_code == 200 and [m["name"] for m in again.get_json()] == ["张三"]


def test_a_connection_ended_after_the_answer_does_not_turn_it_into_a_500(pg, app, db, unit, terminate):
    """Found live (``benchmarks/hardening_live.py``): the backend ended between a request's last
    query and the end of the request made the closing ROLLBACK fail in Flask-SQLAlchemy's
    teardown, and gunicorn answered 500 instead of the answer already made."""
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    assert terminate(pid) == 1
    app.do_teardown_appcontext(None)  # what the end of a request runs; it must not raise
    assert db.session.execute(text("SELECT 1")).scalar() == 1  # and the next work gets a live connection
