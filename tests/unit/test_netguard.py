"""The SSRF guard: which addresses a webhook may reach, and that a request goes to the address
that was checked (a second DNS answer cannot move it)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from commentsvc import netguard
from tests.webhook_support import run_receiver


def fake_resolver(*addresses: str):
    def resolve(host, port, type=0):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]
    return resolve


@pytest.mark.parametrize(("address", "problem"), [
    ("93.184.215.14", None),
    ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None),
    ("127.0.0.1", "a loopback address"),
    ("10.0.0.1", "a private address"),
    ("169.254.169.254", "a cloud metadata address"),
    ("169.254.1.1", "a link-local address"),
    ("fd00:ec2::254", "a cloud metadata address"),
    ("::", "an unspecified address"),
    ("0.0.0.0", "an unspecified address"),
    ("239.1.2.3", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("::ffff:10.0.0.1", "a private address"),
    ("64:ff9b::7f00:1", "a loopback address"),
    ("2002:7f00:1::", "a loopback address"),
    ("100.64.0.1", "not a public address"),
])
def test_address_problems(address, problem):
    assert netguard.address_problem(ipaddress.ip_address(address),
                                    allow_private=False) == problem


def test_allowing_private_addresses_still_refuses_metadata_and_multicast():
    for address in ("169.254.169.254", "fd00:ec2::254", "224.0.0.1", "0.0.0.0"):
        assert netguard.address_problem(ipaddress.ip_address(address), allow_private=True)
    assert netguard.address_problem(ipaddress.ip_address("127.0.0.1"), allow_private=True) is None


def test_one_inside_address_among_public_ones_refuses_the_name():
    with pytest.raises(netguard.Refused, match="private"):
        netguard.resolve("https://hooks.example/x", allow_private=False,
                         resolver=fake_resolver("93.184.215.14", "10.0.0.7"))


def test_the_request_goes_to_the_checked_address_with_the_urls_host():
    for receiver in run_receiver():
        target = netguard.resolve(f"http://hooks.example:{receiver.port}/in?x=1",
                                  allow_private=True, resolver=fake_resolver("127.0.0.1"))
        answer = netguard.post(target, b"{}", {"content-type": "application/json"})
        assert answer.status == 200 and answer.excerpt == "ok"
        got = receiver.requests[0]
        assert got.path == "/in?x=1"
        assert got.headers["Host"] == f"hooks.example:{receiver.port}"


def test_only_the_first_bytes_of_an_answer_are_kept():
    for receiver in run_receiver():
        receiver.answers = [(200, "x" * 100_000, {})]
        target = netguard.resolve(receiver.url, allow_private=True)
        assert len(netguard.post(target, b"{}", {}).excerpt) == netguard.EXCERPT_BYTES


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver on 127.0.0.1 with a self-signed certificate for hooks.example."""
    import datetime
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.example")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.example")]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hosts.append(self.headers["Host"])
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(cert_file, key_file)
    server.socket = serving.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server.server_address[1], cert_file, hosts
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_https_goes_to_the_checked_address_and_checks_the_certificate_for_the_name(
        tls_receiver):
    import ssl

    port, cert_file, hosts = tls_receiver
    target = netguard.resolve(f"https://hooks.example:{port}/in", allow_private=True,
                              resolver=fake_resolver("127.0.0.1"))
    trusting = ssl.create_default_context(cafile=str(cert_file))
    assert netguard.post(target, b"{}", {}, context=trusting).status == 204
    assert hosts == [f"hooks.example:{port}"]
    # Without trusting that certificate, nothing is sent: TLS is not skipped.
    with pytest.raises(ssl.SSLError):
        netguard.post(target, b"{}", {})
    assert len(hosts) == 1
