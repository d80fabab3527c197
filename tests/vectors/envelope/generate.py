#!/usr/bin/env python3
"""Writes ../envelope-kinds.json: sealed-value envelopes of every built-in
PII kind, computed from the format documented in custodian::vault::envelope
with Python's `cryptography` package alone (AES-256-GCM, HKDF-SHA256).

Covers every kind's canonical plaintext encoding and default field label,
subject ids outside ASCII, a shared key, and a rotated root key (records
wrapped under root key versions 1 and 2). Keys and nonces are fixed bytes
so that the file is reproducible: `python3 generate.py` rewrites it
byte for byte.
"""
import base64
import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SALT = hashlib.sha256(b"custodian hkdf salt v1").digest()
ROOT_KEYS = {1: bytes([0x11]) * 32, 2: bytes([0x22]) * 32}
CATEGORY = {"contact": 1, "identity": 2, "location": 3, "financial": 4, "engagement": 7}

# scope, name (UTF-8), key id, data key version, root key version
RECORDS = [
    ("subject", "kunde_müller", bytes([0xA1]) * 16, 1, 1),
    ("subject", "顧客_7", bytes([0xB2]) * 16, 3, 2),
    ("shared", "warehouse.contacts", bytes([0xC3]) * 16, 1, 2),
]

# record, kind (= default label), category, canonical plaintext (bytes),
# and the input the Rust test parses to get the same value.
VECTORS = [
    (0, "email", "contact", b"Ada@example.com", "Ada@Example.COM"),
    (0, "phone", "contact", b"+493012345678", "+49 30 12345678"),
    (0, "card_number", "financial", b"4242424242424242", "4242 4242 4242 4242"),
    (0, "iban", "financial", b"DE89370400440532013000", "de89 3704 0044 0532 0130 00"),
    (1, "person_name", "identity", "José Martínez".encode(), "  José   Martínez "),
    (1, "postal_address", "location",
     "DE\nBerlin\n\n10117\nUnter den Linden 77\nHinterhaus".encode(),
     "Unter den Linden 77|Hinterhaus|10117|Berlin|DE"),
    (1, "ip_address", "engagement", bytes([192, 0, 2, 1]), "192.0.2.1"),
    (1, "ip_address", "engagement", bytes.fromhex("20010db8000000000000000000000001"), "2001:db8::1"),
    (0, "date_of_birth", "identity", b"1990-12-10", "1990-12-10"),
    (0, "national_id", "identity", b"SSN:US:123456789", "123-45-6789"),
    (2, "email", "contact", b"dock.3@warehouse.example", "dock.3@warehouse.example"),
]


def data_key(i):
    return hashlib.sha256(b"data key %d" % i).digest()


def wrap_context(scope, name, key_id, version, root_version):
    name = name.encode()
    return (b"custodian/dek/v1" + key_id + struct.pack(">II", version, root_version)
            + bytes([1 if scope == "subject" else 2]) + struct.pack(">H", len(name)) + name)


def main():
    records = []
    for i, (scope, name, key_id, version, root_version) in enumerate(RECORDS):
        context = wrap_context(scope, name, key_id, version, root_version)
        nonce = bytes([0x50 + i]) * 12
        wrapped = nonce + AESGCM(ROOT_KEYS[root_version]).encrypt(nonce, data_key(i), context)
        records.append({
            "scope": scope, "name": name, "key_id": key_id.hex(), "version": version,
            "root_version": root_version, "data_key": data_key(i).hex(),
            "wrap_context": context.hex(), "wrapped": wrapped.hex(),
        })
    vectors = []
    for j, (r, kind, category, plaintext, parse) in enumerate(VECTORS):
        scope, name, key_id, version, _ = RECORDS[r]
        nonce = bytes([0x70 + j]) * 12
        header = (bytes([1, 1, 1 if scope == "subject" else 0])
                  + struct.pack(">H", CATEGORY[category]) + key_id + struct.pack(">I", version))
        label, binding = kind.encode(), name.encode()
        info = (b"custodian/v1/field-key\0" + header + struct.pack(">H", len(label)) + label
                + struct.pack(">H", len(binding)) + binding)
        field_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=info).derive(data_key(r))
        envelope = header + nonce + AESGCM(field_key).encrypt(nonce, plaintext, None)
        text = "cst1:" + base64.urlsafe_b64encode(envelope).rstrip(b"=").decode()
        vectors.append({
            "record": r, "kind": kind, "label": kind, "category": CATEGORY[category],
            "plaintext": plaintext.hex(), "parse": parse, "nonce": nonce.hex(),
            "field_key": field_key.hex(), "envelope": envelope.hex(), "text": text,
        })
    out = {
        "format": "custodian envelope v1, every built-in kind (see src/vault/envelope.rs)",
        "hkdf_salt": SALT.hex(),
        "root_keys": {str(v): k.hex() for v, k in ROOT_KEYS.items()},
        "records": records,
        "vectors": vectors,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "envelope-kinds.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
