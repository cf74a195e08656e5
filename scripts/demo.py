"""The README's first command: sign in at the embedded IdP and get AWS credentials, entirely offline.

What it runs, each step a real process talking HTTP on 127.0.0.1:

1. ``saml-idp serve`` with no config: the embedded default (demo users, keys kept in .state/idp);
2. ``saml-metadata inspect`` on the IdP's /metadata, which is also what AWS IAM would be given;
3. ``saml-sp local-sts`` with that metadata registered as provider ``DemoIdP``: an STS that checks like AWS;
4. ``saml-sp login``: log in as alice, pick a role, validate the response locally, AssumeRoleWithSAML;
5. GetCallerIdentity with the temporary credentials, through boto3.

Everything it starts is stopped at the end; nothing reaches the internet.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STATE = ROOT / ".state"
ROLE = "arn:aws:iam::111111111111:role/ReadOnly"
ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "unused",
    "AWS_SECRET_ACCESS_KEY": "unused",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"demo: {proc.args[0]} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).read()  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"demo: {url} did not answer within {timeout}s")


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def run(args: list[str], stdin: bytes | None = None) -> bytes:
    print("$ " + " ".join(args), flush=True)
    done = subprocess.run(args, input=stdin, capture_output=True, env=ENV, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise SystemExit(f"demo: {args[0]} failed with exit code {done.returncode}")
    return done.stdout


def main() -> None:
    STATE.mkdir(exist_ok=True)
    demo_dir = STATE / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    demo_dir.mkdir()
    idp_port, sts_port = free_port(), free_port()
    idp_url, sts_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{sts_port}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        step("1. the embedded IdP (demo users alice/alice-password and bob/bob-password)")
        idp = subprocess.Popen(  # noqa: S603
            [str(BIN / "saml-idp"), "serve", "--host", "127.0.0.1", "--port", str(idp_port),
             "--state-dir", str(STATE / "idp")],
            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        procs.append(idp)
        wait_http(f"{idp_url}/metadata", idp)
        metadata_file = demo_dir / "idp-metadata.xml"
        metadata_file.write_bytes(urllib.request.urlopen(f"{idp_url}/metadata", timeout=5).read())  # noqa: S310
        print(f"IdP at {idp_url}; metadata saved to {metadata_file.relative_to(ROOT)}")

        step("2. what AWS IAM would be given")
        report = json.loads(run([str(BIN / "saml-metadata"), "inspect", str(metadata_file)]))
        for entity in report["entities"]:
            idp_role = entity["roles"]["idp"]
            print(f"entity id      {entity['entity_id']}")
            for service in idp_role["single_sign_on"]:
                print(f"sso            {service['location']} ({service['binding'].rsplit(':', 1)[-1]})")
            for cert in entity["certificates"]:
                print(f"{cert['use'] or 'any'} cert   sha256 {cert['sha256'][:23]}... "
                      f"{cert['key_type']}-{cert['key_size']}, not after {cert['not_after']}")
        print(f"warnings       {report['warnings'] or 'none'}")

        step("3. a local STS that checks assertions like AWS, with the IdP registered as DemoIdP")
        sts = subprocess.Popen(  # noqa: S603
            [str(BIN / "saml-sp"), "local-sts", "--host", "127.0.0.1", "--port", str(sts_port),
             "--provider", f"DemoIdP={metadata_file}"],
            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        procs.append(sts)
        wait_for_socket(sts_port, sts)
        print(f"STS at {sts_url}")

        step("4. sign in as alice, validate the SAML response locally, AssumeRoleWithSAML")
        creds_raw = run(
            [str(BIN / "saml-sp"), "login", "--idp-url", idp_url, "--username", "alice", "--password-stdin",
             "--role-arn", ROLE, "--endpoint-url", sts_url, "--format", "json"],
            stdin=b"alice-password\n",
        )
        creds = json.loads(creds_raw)
        secret = ("SecretAccessKey", "SessionToken")
        shown = {k: (v[:8] + "..." if k in secret else v) for k, v in creds.items()}
        print(json.dumps(shown, indent=2))

        step("5. GetCallerIdentity with the temporary credentials")
        import boto3

        client = boto3.client(
            "sts", endpoint_url=sts_url, region_name="us-east-1",
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        identity = client.get_caller_identity()
        print(json.dumps({k: identity[k] for k in ("Account", "Arn", "UserId")}, indent=2))
        print("\ndemo: signed in as alice and assumed", identity["Arn"])
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_for_socket(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"demo: {proc.args[0]} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"demo: nothing listens on port {port}")


if __name__ == "__main__":
    main()
