"""Real OpenID Connect providers for the tests: `oidc-provider` (npm, certified) run by
scripts/oidc-provider.mjs on loopback: one shaped like Microsoft Entra ID's multi-tenant endpoint
(client "entra": the issuer template {tenantid}, each token from its own tenant), one in the
package's default configuration (client "feide": the address only from userinfo), and a person
who signs in on their pages."""

import json
import os
import re
import subprocess
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests
from joserfc.jwk import RSAKey

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULE = ROOT / "node_modules" / "oidc-provider"
TENANT = "5f3c0e2a-vtfk-tenant"


class Provider:
    """The running provider: its issuer, its signing key and the people who can sign in."""

    def __init__(
        self,
        port: int,
        workdir: Path,
        arena_base: str,
        clock_offset: int = 0,
        id_token_ttl: int = 3600,
    ):
        self.issuer = f"http://127.0.0.1:{port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.accounts_file = workdir / "accounts.json"
        self.accounts_file.write_text("{}")
        jwks_file = workdir / "jwks.json"
        jwks_file.write_text(json.dumps({"keys": [self.key.as_dict(private=True)]}))
        self.arena_base = arena_base
        self.clients = {
            "entra": {"client_id": "arena-entra", "client_secret": "entra-hemmelig", "tid": TENANT},
            "feide": {"client_id": "arena-feide", "client_secret": "feide-hemmelig"},
        }
        for name, client in self.clients.items():
            client["redirect_uris"] = [f"{arena_base}/auth/sso/{name}/callback"]
            client["post_logout_redirect_uris"] = [f"{arena_base}/"]
        env = {
            **os.environ,
            "PORT": str(port),
            "ISSUER": self.issuer,
            "CLIENTS": json.dumps(list(self.clients.values())),
            "ACCOUNTS_FILE": str(self.accounts_file),
            "JWKS_FILE": str(jwks_file),
            "CLOCK_OFFSET_SECONDS": str(clock_offset),
            "ID_TOKEN_TTL": str(id_token_ttl),
        }
        self.log = (workdir / "provider.log").open("w")
        self.process = subprocess.Popen(
            ["node", str(ROOT / "scripts" / "oidc-provider.mjs")],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(  # noqa: S310 - loopback
                    f"{self.issuer}/.well-known/openid-configuration", timeout=2
                ):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "oidc-provider did not start: " + (workdir / "provider.log").read_text()
                    ) from None
                time.sleep(0.2)

    def arena_config(self, *names: str) -> list[dict]:
        """SSO_PROVIDERS entries for Arena, as an admin would write them."""
        labels = {"entra": "Microsoft Entra ID", "feide": "Feide"}
        issuers = {"entra": f"{self.issuer}/organizations/v2.0", "feide": self.issuer}
        return [
            {
                "name": name,
                "label": labels[name],
                "issuer": issuers[name],
                "client_id": self.clients[name]["client_id"],
                "client_secret": self.clients[name]["client_secret"],
                "scopes": "openid email profile",
            }
            for name in names or self.clients
        ]

    def tenant_issuer(self, tenant: str = TENANT) -> str:
        """The issuer of the Entra-shaped provider's tokens from `tenant`."""
        return f"{self.issuer}/{tenant}/v2.0"

    def set_account(self, login: str, **claims) -> None:
        """What the providers say about `login` (default: email = login, verified at the standard
        provider; at the Entra-shaped one the tenant TENANT and no `email_verified`)."""
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = claims
        self.accounts_file.write_text(json.dumps(accounts))

    def reset(self) -> None:
        self.accounts_file.write_text("{}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append({"action": attrs.get("action"), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def sign_in_at_provider(authorize_url: str, login: str, arena_base: str) -> str:
    """Does what a person does on the provider's pages (sign in, agree to share) and returns
    the address the provider sends the browser back to in Arena."""
    browser = requests.Session()
    answer = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _step in range(12):
        if answer.status_code in (302, 303):
            location = urljoin(answer.url, answer.headers["Location"])
            if location.startswith(arena_base):
                return location
            answer = browser.get(location, allow_redirects=False, timeout=10)
            continue
        parser = _Forms()
        parser.feed(answer.text)
        if answer.status_code != 200 or not parser.forms:
            raise AssertionError(
                f"unexpected provider page {answer.status_code}: {answer.text[:300]}"
            )
        form = parser.forms[0]
        fields = form["fields"]
        if "login" in fields:
            fields.update(login=login, password="hva-som-helst")
        answer = browser.post(
            urljoin(answer.url, form["action"]), data=fields, allow_redirects=False, timeout=10
        )
    raise AssertionError("the provider never sent the browser back")


def query_value(url: str, name: str) -> str:
    return re.search(rf"[?&]{name}=([^&]+)", url).group(1)
