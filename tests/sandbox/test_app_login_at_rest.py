"""App-login codes at rest: the sandbox's database and WAL never hold the resident in clear."""

from __future__ import annotations

from pathlib import Path

import requests

from sandbox.testing import SandboxHandle, run_sandbox

# A resident no seed or other test uses, so any hit in the files comes from the login code.
RESIDENT = {"name": "欧阳明远", "id_number": "11010519491231002X", "phone": "13912345678"}


def files_bytes(handle: SandboxHandle) -> bytes:
    db = handle.db_path
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def assert_no_resident(data: bytes) -> None:
    for field, value in RESIDENT.items():
        assert value.encode("utf-8") not in data, f"{field} stored in clear"


def test_app_login_codes_keep_no_resident_in_clear(tmp_path: Path) -> None:
    with run_sandbox(tmp_path / "sandbox.db") as sandbox:
        auth = {"Authorization": f"Bearer {sandbox.token}"}
        issued = requests.post(sandbox.url + "/sandbox/app-login-codes", headers=auth,
                               json={"resident": RESIDENT}, timeout=10)
        assert issued.status_code == 200, issued.text
        assert_no_resident(files_bytes(sandbox))
        token = issued.json()["payload"].split(":")[1]
        redeemed = requests.post(sandbox.url + "/v1/identity/app-login", headers=auth,
                                 json={"token": token}, timeout=10)
        assert redeemed.status_code == 200, redeemed.text
        assert redeemed.json()["id_number"] == RESIDENT["id_number"]
        assert redeemed.json()["name"] == RESIDENT["name"]
        assert_no_resident(files_bytes(sandbox))
        again = requests.post(sandbox.url + "/v1/identity/app-login", headers=auth,
                              json={"token": token}, timeout=10)
        assert again.status_code == 404
    assert_no_resident(files_bytes(sandbox))
