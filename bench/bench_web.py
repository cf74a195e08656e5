"""Web IdP load: IdP-initiated AWS sign-ins over HTTP against ``saml-idp serve`` (uvicorn), 1 and 2 workers.

    .venv/bin/python bench/bench_web.py [--seconds 5] [--clients 32] [--workers 1 --workers 2]

One "login" is the whole browser flow with a fresh session: GET /login, POST /login (CSRF token, password),
GET /portal, POST /sso/aws (role, CSRF token) -> the auto-POST page with a signed SAMLResponse. ``--clients``
virtual users run it in a loop (httpx async, keep-alive, 127.0.0.1 only) for ``--seconds``; every answer is
checked, and any unexpected status or a page without a SAMLResponse counts as an error.

Reported per worker count: logins/s, p50/p99 latency of one login, errors, and the ratio to in-process
issuance (``IdentityProvider.issue_aws`` for the same user and role, single thread, same key type).
The server runs the embedded default in a throwaway state directory; everything stops at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import free_port  # noqa: E402 - the repository root is on the path from here on
from tests.conftest import stop_process  # noqa: E402
from tests.conftest import wait_for_port  # noqa: E402

ROLE = "arn:aws:iam::111111111111:role/ReadOnly"
PROVIDER = "arn:aws:iam::111111111111:saml-provider/DemoIdP"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SAML_IDP = str(Path(sys.executable).parent / "saml-idp")


@contextmanager
def served(workers: int, state_dir: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own console script
        [
            SAML_IDP,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--state-dir",
            str(state_dir),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


async def _login(client: httpx.AsyncClient) -> bool:
    """One full IdP-initiated sign-in with a fresh session; True when every step answered as expected."""
    client.cookies.clear()
    page = await client.get("/login")
    token = _CSRF.search(page.text)
    if page.status_code != 200 or token is None:
        return False
    answer = await client.post(
        "/login", data={"csrf_token": token[1], "username": "alice", "password": "alice-password"}
    )
    if answer.status_code != 303:
        return False
    portal = await client.get("/portal")
    token = _CSRF.search(portal.text)
    if portal.status_code != 200 or token is None:
        return False
    final = await client.post("/sso/aws", data={"csrf_token": token[1], "role": ROLE})
    return final.status_code == 200 and 'name="SAMLResponse" value="PHNhbWxwOlJlc3BvbnNl' in final.text


async def _drive(url: str, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def user() -> None:
        nonlocal errors
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    ok = await _login(client)
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - start)
                errors += 0 if ok else 1

    start = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "logins": len(latencies),
        "errors": errors,
        "logins_per_s": round((len(latencies) - errors) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1)
        if ordered
        else None,
    }


def in_process_rate(state_dir: Path, seconds: float) -> float:
    """``issue_aws`` per second with the server's own key: the ceiling the web path is compared with."""
    from idp import AwsRole
    from idp import IdentityProvider
    from saml_core import KeyPair

    keys = KeyPair.from_files(str(state_dir / "idp.key"), str(state_dir / "idp.crt"))
    provider = IdentityProvider("https://idp.example.test/", keys)
    roles = [AwsRole(ROLE, PROVIDER)]
    provider.issue_aws(name_id="alice@example.test", roles=roles, session_name="alice")
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        provider.issue_aws(name_id="alice@example.test", roles=roles, session_name="alice")
        count += 1
    return count / (time.perf_counter() - start)


def run(workers: list[int], clients: int, seconds: float) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        state = Path(tmp) / "state"
        for count in workers:
            with served(count, state) as url:
                row = {"workers": count, "clients": clients, "seconds": seconds}
                row.update(asyncio.run(_drive(url, clients, seconds)))
                rows.append(row)
        issuance = in_process_rate(state, max(seconds / 2, 0.2))
    for row in rows:
        row["in_process_issue_per_s"] = round(issuance, 1)
        row["ratio_to_in_process"] = round(row["logins_per_s"] / issuance, 3)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, action="append")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 120 or not 1 <= args.clients <= 256:
        parser.error("--seconds must be in (0, 120] and --clients in [1, 256]")
    rows = run(args.workers or [1, 2], args.clients, args.seconds)
    print(json.dumps(rows, indent=2))
    print(f"\n{'workers':>7} {'logins/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'vs in-process':>13}")
    for row in rows:
        print(
            f"{row['workers']:>7} {row['logins_per_s']:>9} {row['p50_ms']:>8} {row['p99_ms']:>8} "
            f"{row['errors']:>6} {row['ratio_to_in_process']:>13}"
        )
    print(f"in-process issue_aws: {rows[0]['in_process_issue_per_s']}/s on {os.cpu_count()} CPU(s)")
    return 0 if all(row["errors"] == 0 for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
