"""idp.config: the TOML loader (contract format), password checks, and one precise error per wrong value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from idp import IdPConfigError
from idp._web_config import _load_entity
from idp.config import IdPConfig
from idp.config import Secret
from idp.config import User
from idp.config import hash_password
from idp.config import load_config
from idp.config import verify_password
from metadata import build_sp_metadata
from saml_core import NS
from saml_core import KeyPair
from saml_core import parse_xml
from saml_core import verify_enveloped
from saml_core.errors import ConfigError
from tests.idp.conftest import NOW

ROLE_RO = "arn:aws:iam::111111111111:role/ReadOnly,arn:aws:iam::111111111111:saml-provider/DemoIdP"
ROLE_ADMIN = "arn:aws:iam::111111111111:role/Admin,arn:aws:iam::111111111111:saml-provider/DemoIdP"
FAST_HASH = {"n": 2**4, "r": 1, "p": 1}


def _write_keys(folder: Path, name: str, keys: KeyPair) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.key").write_bytes(keys.key_pem)
    (folder / f"{name}.crt").write_bytes(keys.cert_pem)


def _config_text(bob_hash: str) -> str:
    return f"""
[idp]
entity_id = "https://idp.example.test/"
base_url = "http://127.0.0.1:8000/"
keys = [
  {{key = "keys/idp-old.key", cert = "keys/idp-old.crt"}},
  {{key = "keys/idp.key", cert = "keys/idp.crt"}},
]
session_lifetime = 3600
session_secret = "cookie-secret"

[[users]]
name = "alice"
password = "alice-password"
name_id = "alice@example.test"
attributes = {{ email = ["alice@example.test"], team = "blue" }}
session_duration = 3600
source_identity = "alice"
tags = {{ Department = "Engineering" }}
transitive_tags = ["Department"]
roles = ["{ROLE_RO}", "{ROLE_ADMIN}"]

[[users]]
name = "bob"
password_hash = "{bob_hash}"
roles = ["{ROLE_RO}"]

[[service_providers]]
name = "aws"
aws = true
region = "eu-west-1"

[[service_providers]]
name = "aws-local"
aws = true
acs_url = "http://127.0.0.1:9000/acs"
sign = "assertion"

[[service_providers]]
name = "app"
entity_id = "https://app.example.test/"
acs_url = "https://app.example.test/acs"
encrypt_cert = "keys/sp.crt"

[[service_providers]]
name = "from-metadata"
metadata = "sp-metadata.xml"
"""


@pytest.fixture
def config_file(tmp_path: Path, rsa_keys: KeyPair, old_rsa_keys: KeyPair, sp_keys: KeyPair) -> Path:
    _write_keys(tmp_path / "keys", "idp-old", old_rsa_keys)
    _write_keys(tmp_path / "keys", "idp", rsa_keys)
    _write_keys(tmp_path / "keys", "sp", sp_keys)
    (tmp_path / "sp-metadata.xml").write_bytes(
        build_sp_metadata(
            entity_id="https://md.example.test/",
            acs_url="https://md.example.test/acs",
            encryption_cert=sp_keys.cert_pem,
        )
    )
    path = tmp_path / "idp.toml"
    path.write_text(_config_text(hash_password("bob-password", **FAST_HASH)))
    return path


def test_loads_the_contract_example(config_file: Path, rsa_keys: KeyPair, old_rsa_keys: KeyPair) -> None:
    config = load_config(config_file)
    assert isinstance(config, IdPConfig)
    assert (config.entity_id, config.base_url, config.session_lifetime) == (
        "https://idp.example.test/",
        "http://127.0.0.1:8000",
        3600,
    )
    assert config.sso_url == "http://127.0.0.1:8000/sso"
    assert [k.cert_pem for k in config.keys] == [old_rsa_keys.cert_pem, rsa_keys.cert_pem]
    assert config.session_secret is not None and config.session_secret.reveal() == "cookie-secret"
    alice = config.user("alice")
    assert alice is not None
    assert (alice.name_id, alice.session_name, alice.session_duration, alice.source_identity) == (
        "alice@example.test",
        "alice",
        3600,
        "alice",
    )
    assert dict(alice.attributes) == {"email": ("alice@example.test",), "team": ("blue",)}
    assert [r.role_arn.rsplit("/", 1)[1] for r in alice.roles] == ["ReadOnly", "Admin"]
    assert (dict(alice.tags), alice.transitive_tags) == ({"Department": "Engineering"}, ("Department",))
    bob = config.user("bob")
    assert bob is not None and (bob.name_id, bob.session_name) == ("bob", "bob")


def test_service_providers(config_file: Path, sp_keys: KeyPair) -> None:
    config = load_config(config_file)
    aws = config.service_provider("aws")
    assert aws is not None and aws.aws
    assert (aws.acs_url, aws.entity_id, aws.sign) == (
        "https://eu-west-1.signin.aws.amazon.com/saml",
        "urn:amazon:webservices",
        "both",
    )
    local = config.service_provider("aws-local")
    assert local is not None and (local.acs_url, local.sign) == ("http://127.0.0.1:9000/acs", "assertion")
    app = config.service_provider("app")
    assert app is not None and not app.aws
    assert app.encrypt_cert is not None and app.encrypt_cert.same_key(sp_keys.trusted)
    md = config.service_provider("from-metadata")
    assert md is not None and (md.entity_id, md.acs_url) == (
        "https://md.example.test/",
        "https://md.example.test/acs",
    )
    assert md.encrypt_cert is not None and md.encrypt_cert.same_key(sp_keys.trusted)
    assert config.service_provider("nope") is None


def test_identity_provider_from_config_signs_with_newest_key(config_file: Path, rsa_keys: KeyPair) -> None:
    config = load_config(config_file)
    provider = config.identity_provider()
    alice = config.user("alice")
    assert alice is not None
    issued = provider.issue_aws(
        name_id=alice.name_id, roles=alice.roles, session_name=alice.session_name, now=NOW
    )
    root = parse_xml(issued.xml)
    assert root.find(NS.saml("Issuer")).text == "https://idp.example.test/"
    verify_enveloped(root, [rsa_keys.trusted])
    assert provider.sso_url == config.sso_url


def test_passwords_plain_and_scrypt(config_file: Path) -> None:
    config = load_config(config_file)
    alice, bob = config.user("alice"), config.user("bob")
    assert alice is not None and bob is not None
    assert verify_password(alice, "alice-password")
    assert not verify_password(alice, "alice-password ")
    assert verify_password(bob, "bob-password")
    assert not verify_password(bob, "alice-password")
    assert not verify_password(User(name="x", name_id="x", session_name="xx"), "")


def test_hash_password_format() -> None:
    encoded = hash_password("pw", salt=b"0123456789abcdef", **FAST_HASH)
    assert encoded.startswith("scrypt$16$1$1$MDEyMzQ1Njc4OWFiY2RlZg==$")
    user = User(name="u", name_id="u", session_name="uu", password_hash=encoded)
    assert verify_password(user, "pw") and not verify_password(user, "pW")


def test_secrets_never_in_repr(config_file: Path) -> None:
    config = load_config(config_file)
    assert "alice-password" not in repr(config.users)
    assert "cookie-secret" not in repr(config)
    assert repr(Secret("s3")) == "Secret('**********')" and str(Secret("s3")) == "Secret('**********')"


MINIMAL = '[idp]\nentity_id = "https://idp.example.test/"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "missing [idp] table"),
        ("[idp\n", "is not valid TOML"),
        ('[idp]\nbase_url = "http://x"\n', "missing idp.entity_id"),
        (MINIMAL + 'colour = "red"\n', "unknown key 'idp.colour'"),
        (MINIMAL + 'base_url = "ftp://x"\n', "idp.base_url must be an http(s) URL"),
        (MINIMAL + "session_lifetime = 5\n", "idp.session_lifetime must be between 60 and 604800"),
        (MINIMAL + 'keys = [{key = "missing.key", cert = "missing.crt"}]\n', "idp.keys[0].keys: cannot read"),
        (MINIMAL + '[[users]]\npassword = "x"\n', "missing users[0].name"),
        (MINIMAL + '[[users]]\nname = "a"\n[[users]]\nname = "a"\n', "two [[users]] share a name"),
        (MINIMAL + '[[users]]\nname = "a"\nroles = ["arn:aws:iam::1:role/x"]\n', "users[0].roles: a role is"),
        (
            MINIMAL + f'[[users]]\nname = "a b"\nroles = ["{ROLE_RO}"]\n',
            "user 'a b': RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
        ),
        (
            MINIMAL
            + f'[[users]]\nname = "a"\nsession_name = "al"\nsession_duration = 60\nroles = ["{ROLE_RO}"]\n',
            "user 'a': SessionDuration must be an integer from 900 to 43200 seconds, got 60",
        ),
        (
            MINIMAL + '[[users]]\nname = "a"\npassword = "x"\npassword_hash = "y"\n',
            "users[0].password: give password or password_hash, not both",
        ),
        (
            MINIMAL + '[[users]]\nname = "a"\npassword_hash = "md5$abc"\n',
            "password_hash must be scrypt$n$r$p$",
        ),
        (
            MINIMAL
            + '[[users]]\nname = "a"\npassword_hash = "scrypt$1048577$8$1$c2FsdA==$'
            + 'aGFzaGhhc2hoYXNoaGFzaA=="\n',
            "password_hash has out-of-range scrypt parameters",
        ),
        (
            MINIMAL + '[[users]]\nname = "a"\nsession_duration = "long"\n',
            "users[0].session_duration must be an integer",
        ),
        (
            MINIMAL + '[[service_providers]]\nname = "s"\naws = true\nsign = "maybe"\n',
            "service_providers[0].sign: use one of both, response, assertion, none",
        ),
        (
            MINIMAL + '[[service_providers]]\nname = "s"\naws = true\nregion = "cn-north-1"\n',
            "service provider 's': region 'cn-north-1' is not in partition aws",
        ),
        (
            MINIMAL + '[[service_providers]]\nname = "s"\n',
            "service provider 's' needs metadata, or entity_id and acs_url",
        ),
        (
            MINIMAL + '[[service_providers]]\nname = "s"\naws = "yes"\n',
            "service_providers[0].aws must be true or false",
        ),
        (
            MINIMAL + '[[service_providers]]\nname = "s"\nmetadata = "none.xml"\n',
            "service_providers[0].metadata: cannot read",
        ),
        (
            MINIMAL
            + '[[service_providers]]\nname = "s"\nentity_id = "e"\nacs_url = "x"\nname_id_format = "urn:x"\n',
            "service_providers[0].name_id_format: unknown NameID format 'urn:x'",
        ),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "idp.toml"
    path.write_text(text)
    with pytest.raises(IdPConfigError) as caught:
        load_config(path)
    assert caught.value.code == "config_error"
    assert message in caught.value.message


def test_minimal_config_loads_without_keys(tmp_path: Path) -> None:
    path = tmp_path / "idp.toml"
    path.write_text(MINIMAL)
    config = load_config(path)
    assert config.keys == () and config.users == () and config.base_url == "http://127.0.0.1:8000"
    assert len(config.identity_provider().keys) == 1  # an ephemeral key


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IdPConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_endless_files_are_config_errors_not_an_out_of_memory_kill(tmp_path: Path) -> None:
    with pytest.raises(IdPConfigError, match=r"^/dev/zero is larger than 10000000 bytes$"):
        load_config("/dev/zero")
    path = tmp_path / "idp.toml"
    path.write_text(MINIMAL + '[[service_providers]]\nname = "s"\nmetadata = "/dev/zero"\n')
    with pytest.raises(IdPConfigError, match="metadata: /dev/zero is larger than 10000000 bytes"):
        load_config(path)


def test_sp_metadata_from_an_endless_url_is_refused_at_the_cap(tmp_path: Path, endless_http: Any) -> None:
    path = tmp_path / "idp.toml"
    path.write_text(MINIMAL + f'[[service_providers]]\nname = "s"\nmetadata = "{endless_http.url}/md"\n')
    with pytest.raises(IdPConfigError, match="is larger than 10000000 bytes"):
        load_config(path)
    # the web IdP's re-read of the same source streams through the same cap
    with pytest.raises(ConfigError, match="is larger than 10000000 bytes"):
        _load_entity("s", endless_http.url + "/md")
