"""Passwords live in the OS keyring and nowhere else; scripts may pass one through an environment variable."""

from __future__ import annotations

import os

from bhxh_desk.app.gateway.errors import GatewayError

SERVICE = "bhxh-desk"


def _key(gateway: str, account: str) -> str:
    return f"{gateway.rstrip('/')}#{account}"


def gateway_password(gateway: str, account: str, env_var: str | None = None) -> str:
    if env_var:
        value = os.environ.get(env_var)
        if value:
            return value
        raise GatewayError("gw.no_password", account=account, url=gateway)
    try:
        import keyring
        from keyring.errors import KeyringError

        value = keyring.get_password(SERVICE, _key(gateway, account))
    except (ImportError, KeyringError, RuntimeError):
        value = None
    if not value:
        raise GatewayError("gw.no_password", account=account, url=gateway)
    return value


def save_gateway_password(gateway: str, account: str, password: str) -> None:
    import keyring

    keyring.set_password(SERVICE, _key(gateway, account), password)
