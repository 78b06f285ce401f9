"""Outgoing HTTP to addresses the operator did not choose (webhook URLs), without SSRF.

A URL's host is resolved once; every address it resolves to must be a public one (not loopback,
private, link-local, cloud metadata, shared, reserved, unspecified or multicast), and the
request then connects to the address that was checked, never resolving again: a name that
answers differently the second time (DNS rebinding) cannot steer the request inside. Redirects
are not followed; timeouts are short; only the first bytes of the answer are read.

`allow_private` (COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE, for tests and closed networks) lets loopback
and private addresses through; unspecified, multicast and the metadata addresses never are.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[Any]]

TIMEOUT_SECONDS = 5.0
EXCERPT_BYTES = 300
# Cloud instance metadata: the classic SSRF target, refused even when private ones are allowed.
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


class Refused(Exception):
    """This URL may not be called; the text says why (safe to show to the admin)."""


@dataclass(frozen=True)
class Target:
    url: SplitResult
    host: str
    port: int
    address: Address


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in SIX_TO_FOUR:
        return address.sixtofour
    return None


def address_problem(address: Address, *, allow_private: bool) -> str | None:
    """Why a request may not go to `address`, or None."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return address_problem(inner, allow_private=allow_private)
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if allow_private:
        return None
    for test, what in ((address.is_loopback, "a loopback address"),
                       (address.is_link_local, "a link-local address"),
                       (address.is_private, "a private address"),
                       (not address.is_global, "not a public address")):
        if test:
            return what
    return None


def check_url(url: str) -> SplitResult:
    """The URL's parts when it is http(s) with a host and no credentials; Refused otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise Refused("is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise Refused("must start with http:// or https://")
    if not parts.hostname:
        raise Refused("has no host")
    if parts.username is not None or parts.password is not None:
        raise Refused("must not carry a user name or password")
    if port == 0:
        raise Refused("has port 0")
    return parts


def resolve(url: str, *, allow_private: bool,
            resolver: Resolver = socket.getaddrinfo) -> Target:
    """Check the URL and every address its host resolves to; the address to connect to."""
    parts = check_url(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(f"host {host!r} does not resolve") from None
    addresses: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Refused(f"host {host!r} does not resolve")
    for address in addresses:
        problem = address_problem(address, allow_private=allow_private)
        if problem:
            # One bad address refuses the name: which one we would get is not ours to choose.
            raise Refused(f"host {host!r} resolves to {problem} ({address})")
    return Target(parts, host, port, addresses[0])


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked for the URL's host name."""

    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._target = target
        self._context = context

    def connect(self) -> None:
        sock = socket.create_connection((str(self._target.address), self._target.port),
                                        self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._target.host)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._target = target

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._target.address), self._target.port),
                                             self.timeout)


def post(target: Target, body: bytes, headers: dict[str, str], *,
         timeout: float = TIMEOUT_SECONDS, context: ssl.SSLContext | None = None) -> Answer:
    """POST `body` to the checked target; the status and the first bytes of the answer.

    Raises OSError (and http.client.HTTPException) when no answer comes.
    """
    connection: http.client.HTTPConnection
    if target.url.scheme == "https":
        connection = _PinnedHTTPS(target, timeout, context or ssl.create_default_context())
    else:
        connection = _PinnedHTTP(target, timeout)
    path = target.url.path or "/"
    if target.url.query:
        path += "?" + target.url.query
    try:
        # Host: the URL's own (http.client sends it from the host given to the connection).
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
        return Answer(response.status, excerpt)
    finally:
        connection.close()
