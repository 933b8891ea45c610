"""A Postfix policy delegation client for the tests: the request Postfix
3.7 sends at RCPT, and one reply."""


# The attributes Postfix 3.7.11 sends at RCPT, in its order (protocols.md 2.2).
ATTRS = ["request", "protocol_state", "protocol_name", "client_address",
         "client_name", "client_port", "reverse_client_name", "server_address",
         "server_port", "helo_name", "sender", "recipient", "recipient_count",
         "queue_id", "instance", "size", "etrn_domain", "stress", "sasl_method",
         "sasl_username", "sasl_sender", "ccert_subject", "ccert_issuer",
         "ccert_fingerprint", "ccert_pubkey_fingerprint", "encryption_protocol",
         "encryption_cipher", "encryption_keysize", "policy_context"]


def request(eol=b"\n", **values):
    base = {"request": "smtpd_access_policy", "protocol_state": "RCPT",
            "protocol_name": "ESMTP", "client_address": "192.0.2.10",
            "client_name": "mx.remote.test", "client_port": "40000",
            "reverse_client_name": "mx.remote.test", "server_address": "127.0.0.1",
            "server_port": "25", "helo_name": "mx.remote.test",
            "recipient_count": "0", "instance": "1a2b.3c4d.5e6f.0", "size": "0",
            "encryption_keysize": "0"}
    base.update(values)
    lines = [f"{name}={base.get(name, '')}".encode() for name in ATTRS]
    return eol.join(lines) + eol + eol


def read_reply(s):
    data = b""
    while not data.endswith(b"\n\n"):
        chunk = s.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data
