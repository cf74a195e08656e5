"""IdentityProvider.issue_aws from many threads at once (a threaded web server, pytest-xdist workers
sharing a fixture): every response is signed for its own user and validates, with one shared key."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from idp import AwsRole
from idp import IdentityProvider
from saml_core import KeyPair
from sp_adapter import Policy
from sp_adapter import Trust
from sp_adapter import validate_response

ROLE = AwsRole(
    role_arn="arn:aws:iam::111111111111:role/ReadOnly",
    provider_arn="arn:aws:iam::111111111111:saml-provider/DemoIdP",
)


def test_concurrent_issuing_signs_each_response_for_its_own_user() -> None:
    for keys in (KeyPair.generate(), KeyPair.generate("ec-p256")):
        provider = IdentityProvider(entity_id="https://idp.example.test/", keys=keys)
        trust, policy = Trust.from_metadata(provider.metadata()), Policy.aws()

        def one(number: int) -> tuple[str, str]:
            user = f"user{number}"
            issued = provider.issue_aws(name_id=user, roles=[ROLE], session_name=user)
            assertion = validate_response(issued.b64, trust=trust, policy=policy)
            assert assertion.aws is not None
            return user, str(assertion.aws.role_session_name)

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(one, range(120)))
        assert results == [(f"user{n}", f"user{n}") for n in range(120)]
