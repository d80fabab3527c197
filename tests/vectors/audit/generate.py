#!/usr/bin/env python3
"""Independent generator of the audit known-answer vectors.

Written from the format specification (custodian::audit::formats) with
Python's hashlib/hmac/base64/json and the `cryptography` package's Ed25519,
sharing no code with the Rust crate. Run from this directory:

    python3 generate.py

It rewrites kat.json, the log-v1/ fixture directory and its log-v1.vkey. The Rust tests
(tests/audit/formats.rs) check that the crate produces and accepts exactly
these bytes.

The verifier keys are chosen so that their base64 holds `+`, `/`, both and
neither (standard base64 puts a `+` in about half of all keys); the log-v1
fixture's key holds both, so the auditor command is run on one in CI.
"""

import base64
import hashlib
import hmac
import json
import os
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf(entry):
    return sha256(b"\x00" + entry)


def node(left, right):
    return sha256(b"\x01" + left + right)


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes):
    if not hashes:
        return sha256(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = split(len(hashes))
    return node(mth(hashes[:k]), mth(hashes[k:]))


def inclusion_path(m, hashes):
    if len(hashes) <= 1:
        return []
    k = split(len(hashes))
    if m < k:
        return inclusion_path(m, hashes[:k]) + [mth(hashes[k:])]
    return inclusion_path(m - k, hashes[k:]) + [mth(hashes[:k])]


def subproof(m, hashes, complete):
    n = len(hashes)
    if m == n:
        return [] if complete else [mth(hashes)]
    k = split(n)
    if m <= k:
        return subproof(m, hashes[:k], complete) + [mth(hashes[k:])]
    return subproof(m - k, hashes[k:], False) + [mth(hashes[:k])]


def b64(b):
    return base64.b64encode(b).decode()


def pseudonym(key, label, ident):
    return hmac.new(key, label + b"\x00" + ident.encode(), hashlib.sha256).hexdigest()


def event(time, action, outcome, **fields):
    e = {
        "v": 1,
        "time": time,
        "action": action,
        "outcome": outcome,
        "actor_role": "system",
        "actor": None,
        "subject": None,
        "categories": [],
        "purpose": None,
        "legal_basis": None,
        "recipient": None,
        "policy_version": None,
        "right": None,
        "request_status": None,
        "withheld": [],
        "key_version": None,
        "count": None,
        "request": None,
        "correlation": None,
        "evidence": None,
    }
    for k, v in fields.items():
        assert k in e
        e[k] = v
    # Python keeps insertion order; no whitespace, as the format requires.
    return json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode()


class Signer:
    def __init__(self, name, seed):
        self.name = name
        self.seed = seed
        self.key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = sha256(name.encode() + b"\n\x01" + self.public)[:4]

    def vkey(self):
        typed = b"\x01" + self.public
        return f"{self.name}+{self.key_id.hex()}+{b64(typed)}"

    def key_b64(self):
        return self.vkey().split("+", 2)[2]

    def sign(self, size, root, time):
        body = f"{self.name}\n{size}\n{b64(root)}\ntime {time}\n"
        sig = self.key.sign(body.encode())
        line = "\u2014 " + self.name + " " + b64(self.key_id + sig) + "\n"
        return body + "\n" + line


def signer_whose_key_has(name, plus, slash):
    """The signer with the first seed [i] * 32 whose verifier key's base64
    holds `+` or not, and `/` or not, as asked."""
    for i in range(256):
        candidate = Signer(name, bytes([i] * 32))
        key = candidate.key_b64()
        if ("+" in key) == plus and ("/" in key) == slash:
            return candidate
    raise AssertionError("no such seed")


def verifier_keys(rfc, time):
    """Keys with every mix of `+` and `/` in their base64, names ASCII and
    not, each with a checkpoint note it signed."""
    out = []
    for name, plus, slash in [
        ("kat.example/plus", True, False),
        ("kat.example/slash", False, True),
        ("kat.example/both", True, True),
        ("kat.example/neither", False, False),
        ("kat.example/j\u00fcrnal", True, True),
    ]:
        s = signer_whose_key_has(name, plus, slash)
        out.append({"name": name, "secret_hex": s.seed.hex(), "public_hex": s.public.hex(),
                    "key_id_hex": s.key_id.hex(), "vkey": s.vkey(),
                    "note": s.sign(3, mth(rfc[:3]), time)})
    return out


def bad_verifier_keys():
    """Verifier keys a parser must refuse, each a small change to a good one
    whose base64 holds `+` and `/`."""
    s = signer_whose_key_has("kat.example/both", True, True)
    good = s.vkey()
    name, key_id, key = good.split("+", 2)
    other_alg = b"\x02" + s.public
    other_alg_id = sha256(name.encode() + b"\n" + other_alg)[:4].hex()
    wrong_id = f"{int(key_id, 16) ^ 1:08x}"
    return [
        {"vkey": f"{name}+{wrong_id}+{key}", "why": "key id does not match"},
        {"vkey": f"{name}+{other_alg_id}+{b64(other_alg)}", "why": "not an Ed25519 key"},
        {"vkey": f"{name}+{key_id}+{key.replace('+', '-').replace('/', '_')}",
         "why": "URL-safe base64"},
        {"vkey": f"{name}+{key_id}+{key}+", "why": "a + after the key"},
        {"vkey": f"{name}+{key_id}", "why": "no key"},
        {"vkey": f"+{key_id}+{key}", "why": "empty name"},
        {"vkey": f"{name} x+{key_id}+{key}", "why": "space in the name"},
    ]


def escaping_event():
    """An event whose host category name needs every kind of JSON string
    escape, listed after a built-in category (ordered by code)."""
    host = "q\"b\\t\tn\nc\x01d\x7f \u00e9/\u2028"
    entry = event("2025-01-02T03:04:05.678Z", "retention_purge", "done",
                  categories=["contact", host])
    return {"category_code": 0x8001, "category_name": host, "entry": entry.decode()}


def record(index, body):
    return struct.pack(">IQ", len(body), index) + leaf(body) + body


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    key = bytes([0x0B] * 32)
    subject = pseudonym(key, b"custodian/audit/subject/v1", "cust_8f3a")
    actor = pseudonym(key, b"custodian/audit/actor/v1", "agent_17")
    sealed = bytes(range(32))
    evidence = sha256(b"custodian/audit/evidence/v1\x00" + sealed).hex()

    full = event(
        "2024-11-24T23:31:05.123Z", "erasure", "partial",
        actor_role="privacy_officer", actor=actor, subject=subject,
        categories=["contact", "transaction"], purpose="legal_compliance",
        legal_basis="legal_obligation", recipient="dhl", policy_version="2025-06-01",
        right="erasure", request_status="fulfilled",
        withheld=[{"category": "transaction", "reason": "legal_obligation"}],
        key_version=3, count=12, request="0123456789abcdef0123456789abcdef",
        correlation="0000000000000000000000000000002a", evidence=evidence,
    )
    entries = [
        full,
        event("2024-11-24T23:31:06.000Z", "reveal", "denied",
              actor_role="support_agent", actor=actor, subject=subject,
              categories=["financial"], purpose="customer_support", legal_basis="contract"),
        event("2024-11-24T23:31:07.000Z", "disclosure", "allowed", subject=subject,
              categories=["contact", "location"], purpose="shipping",
              legal_basis="contract", recipient="dhl"),
        event("2024-11-24T23:31:08.000Z", "consent_withdrawn", "done",
              actor_role="subject", subject=subject, purpose="marketing",
              legal_basis="consent", policy_version="7"),
        event("2024-11-24T23:31:09.000Z", "key_rotated", "done", key_version=4, count=1000),
    ]

    signer = Signer("kat.example/audit", bytes([0x01] * 32))
    time = "2025-01-02T03:04:05.678Z"

    # The RFC 6962 reference leaves, for proof vectors.
    rfc_leaves = [bytes.fromhex(h) for h in
                  ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                   "606162636465666768696a6b6c6d6e6f"]]
    rfc = [leaf(x) for x in rfc_leaves]
    cp8 = signer.sign(8, mth(rfc), time)
    inclusion = "c2sp.org/tlog-proof@v1\nindex 5\n" + "".join(
        b64(h) + "\n" for h in inclusion_path(5, rfc)) + "\n" + cp8
    consistency = "old 3\n" + "".join(b64(h) + "\n" for h in subproof(3, rfc, True)) + "\n" + cp8

    hashes = [leaf(e) for e in entries]
    log_root = mth(hashes)
    log_signer = signer_whose_key_has("kat.example/log", True, True)
    log_cp = log_signer.sign(len(entries), log_root, time)
    log_dir = os.path.join(here, "log-v1")
    os.makedirs(log_dir, exist_ok=True)
    with open(os.path.join(log_dir, "entries"), "wb") as f:
        f.write(b"custodian-log-1\n")
        for i, e in enumerate(entries):
            f.write(record(i, e))
    with open(os.path.join(log_dir, "checkpoints"), "wb") as f:
        f.write(b"custodian-ckp-1\n")
        f.write(record(0, log_cp.encode()))

    kat = {
        "pseudonym": {"key_hex": key.hex(), "subject_id": "cust_8f3a", "subject": subject,
                      "actor_id": "agent_17", "actor": actor},
        "evidence": {"sealed_hex": sealed.hex(), "ref": evidence},
        "event": {"entry": full.decode(), "leaf_hash_hex": leaf(full).hex()},
        "checkpoint": {"name": signer.name, "secret_hex": (bytes([0x01] * 32)).hex(),
                       "vkey": signer.vkey(), "size": 8, "root_hex": mth(rfc).hex(),
                       "time": time, "note": cp8},
        "inclusion_bundle": {"index": 5, "text": inclusion},
        "consistency_bundle": {"old": 3, "text": consistency},
        "log": {"dir": "log-v1", "vkey": log_signer.vkey(), "size": len(entries),
                "root_hex": log_root.hex(), "entries": [e.decode() for e in entries]},
        "verifier_keys": verifier_keys(rfc, time),
        "bad_verifier_keys": bad_verifier_keys(),
        "equivocation": {
            "vkey": signer.vkey(),
            "notes": [cp8, signer.sign(8, mth(rfc[:7] + [leaf(b"another history")]), time)],
        },
        "escaping": escaping_event(),
    }
    with open(os.path.join(here, "log-v1.vkey"), "w") as f:
        f.write(log_signer.vkey() + "\n")
    with open(os.path.join(here, "kat.json"), "w") as f:
        json.dump(kat, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
