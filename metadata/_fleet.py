"""Many providers across many accounts: the parallel run, progress lines and the summary table.

Invariant: one account's failure is recorded against that account's providers and never stops the others.
No boto3 here: the per-account worker comes in as a callable (``iam.sync_account``); the declarative file is
read by ``config.load_fleet``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from typing import TextIO

from saml_core import SAMLError

from ._sync import Desired

Json = dict[str, Any]
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountConfig:
    name: str
    """A label for progress lines and the summary."""
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    """For IAM and STS (tests against moto, VPC endpoints)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetConfig:
    accounts: tuple[AccountConfig, ...]
    providers: Mapping[str, tuple[Desired, ...]]
    """Account name -> the providers it must hold."""
    max_workers: int = 4


Worker = Callable[[AccountConfig, Sequence[Desired], bool, Progress], list[Json]]


def run_fleet(config: FleetConfig, worker: Worker, *, apply: bool, stream: TextIO) -> list[Json]:
    """Every account in parallel (``max_workers``); results in the file's account order."""
    lock = threading.Lock()

    def progress(line: str) -> None:
        with lock:
            stream.write(f"aws-sync: {line}\n")
            stream.flush()

    def one(account: AccountConfig) -> list[Json]:
        desireds = config.providers.get(account.name, ())
        progress(f"{account.name}: {'applying' if apply else 'planning'} {len(desireds)} provider(s)")
        try:
            results = worker(account, desireds, apply, progress)
        except SAMLError as error:
            progress(f"{account.name}: failed: {error.code}: {error.message}")
            return [failed(account.name, d.name, error) for d in desireds]
        progress(f"{account.name}: done")
        return results

    with ThreadPoolExecutor(max_workers=min(config.max_workers, len(config.accounts))) as pool:
        batches = list(pool.map(one, config.accounts))
    return [result for batch in batches for result in batch]


def failed(account: str, provider: str, error: SAMLError) -> Json:
    return {
        "account": account,
        "provider": provider,
        "status": "failed",
        "plan": None,
        "arn": None,
        "error": error.to_json(),
    }


def summary_table(results: Sequence[Json]) -> str:
    """A fixed-width table: ACCOUNT, PROVIDER, ACTION, STATUS, DETAIL."""
    rows = [("ACCOUNT", "PROVIDER", "ACTION", "STATUS", "DETAIL")]
    for r in results:
        plan = r.get("plan") or {}
        certs = plan.get("certificates", {})
        detail = (
            r["error"]["message"][:80]
            if r.get("error")
            else (
                f"+{len(certs.get('added', []))} -{len(certs.get('removed', []))} certificates"
                if plan
                else ""
            )
        )
        rows.append((r["account"], r["provider"], plan.get("action", "-"), r["status"], detail))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return (
        "\n".join(
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] for row in rows
        ).rstrip()
        + "\n"
    )
