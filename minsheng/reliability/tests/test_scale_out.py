"""Several app servers behind one address (docs/deploy.md §2), as far as one machine allows: two real
`minsheng serve` processes on one database answer any request alike, because tokens, idempotency keys,
login throttling and versions live in the database, not in a server."""

from __future__ import annotations

from .live import LiveServer, fresh_database, query

TEXT = "采菱家园三期8幢门口路灯不亮 [scale-out]"


def test_two_app_servers_share_tokens_keys_throttles_and_versions(tmp_path):
    with fresh_database() as database_url:
        data = tmp_path / "data"
        data.mkdir()
        a = LiveServer(data, database_url, workers=1, threads=2, MINSHENG_LOGIN_MAX_FAILURES="3")
        b = LiveServer(data, database_url, workers=1, threads=2, MINSHENG_LOGIN_MAX_FAILURES="3")
        a.prepare()
        with a, b:
            a.start()
            b.start()
            # A token issued by one server is honoured by the other.
            staff = a.token("demo-cailing")
            assert b.get("/api/v1/demands", headers=staff).status == 200

            # The same Idempotency-Key sent to both servers registers one demand.
            body = {"text": TEXT, "channel": "online", "place": "采菱家园三期8幢", "reporter_phone": "13812345678"}
            key = {"Idempotency-Key": "scale-out-1"}
            first = a.post("/api/v1/demands", body, headers=key)
            again = b.post("/api/v1/demands", body, headers=key)
            assert first.status == 201 and again.status in (200, 201), (first.body, again.body)
            code = first.json()["code"]
            assert again.json()["code"] == code
            assert query(data, database_url, "SELECT COUNT(*) FROM demands_demand WHERE text = ?", [TEXT]) == [(1,)]

            # A version read from one server and used on the other after a change: 409, not a lost update.
            version = a.get(f"/api/v1/demands/{code}", headers=staff).json()["version"]
            assert a.post(f"/api/v1/demands/{code}/actions/accept", {"version": version},
                          headers=staff).status == 200
            stale = b.post(f"/api/v1/demands/{code}/actions/accept", {"version": version}, headers=staff)
            assert stale.status == 409, stale.body

            # Failed sign-ins count across servers: the third failure anywhere locks the name everywhere.
            wrong = {"username": "demo-sanqin", "password": "wrong-password-1"}
            assert a.post("/api/v1/auth/token", wrong).status == 401
            assert b.post("/api/v1/auth/token", wrong).status == 401
            assert a.post("/api/v1/auth/token", wrong).status == 401
            locked = b.post("/api/v1/auth/token", {"username": "demo-sanqin", "password": "minsheng-demo"})
            assert locked.status == 429, locked.body
