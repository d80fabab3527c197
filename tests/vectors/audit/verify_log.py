#!/usr/bin/env python3
"""Verify a custodian audit log directory with SHA-256 and Ed25519 only.

An independent implementation of custodian::audit::formats, to show that a
log can be checked without the crate:

    python3 verify_log.py <log directory> <verifier key> [<checkpoint note file>]

The verifier key is the `<name>+<key id>+<base64>` form (split at the first
two `+` only: the base64 may hold `+` too). Prints OK with the size and
root, the first broken entry, or two signed checkpoints of one size with
different roots (equivocation); exits 0, 1 or 3.
"""

import base64
import hashlib
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EM_DASH = "\u2014 "
MAX_BODY = {b"custodian-log-1\n": 1 << 20, b"custodian-ckp-1\n": 1 << 16}


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf(b):
    return sha256(b"\x00" + b)


def node(left, right):
    return sha256(b"\x01" + left + right)


class Frontier:
    """Roots of the complete subtrees on the right edge of the tree."""

    def __init__(self):
        self.size = 0
        self.nodes = []

    def push(self, h):
        size = self.size
        while size & 1:
            h = node(self.nodes.pop(), h)
            size >>= 1
        self.nodes.append(h)
        self.size += 1

    def root(self):
        if not self.nodes:
            return sha256(b"")
        acc = self.nodes[-1]
        for left in reversed(self.nodes[:-1]):
            acc = node(left, acc)
        return acc


def records(path, magic):
    """Yields ("record", ...) per record. A torn tail is ("torn", offset, ...)
    where the file ends inside a record or in zeros at most one record long,
    and ("torn-record", ...) for a last record whose body fails its check
    value (tampering, not a crash, if a checkpoint covers it)."""
    data = open(path, "rb").read()
    if data[:16] != magic:
        raise SystemExit(f"{path}: not a custodian log file")
    at = 16
    while at < len(data):
        rest = data[at:]
        zero_tail = len(rest) <= 44 + MAX_BODY[magic] and not any(rest)
        if len(rest) < 44 or zero_tail:
            yield ("torn", at, None, None, None)
            return
        length, index = struct.unpack(">IQ", data[at:at + 12])
        check = data[at + 12:at + 44]
        body = data[at + 44:at + 44 + length]
        if len(body) < length:
            yield ("torn", at, None, None, None)
            return
        if at + 44 + length == len(data) and leaf(body) != check:
            yield ("torn-record", at, index, check, body)
            return
        yield ("record", at, index, check, body)
        at += 44 + length


def parse_vkey(vkey):
    name, key_id, key = vkey.split("+", 2)
    raw = base64.b64decode(key, validate=True)
    assert raw[0] == 1 and len(raw) == 33, "not an Ed25519 verifier key"
    public = raw[1:]
    expected = sha256(name.encode() + b"\n\x01" + public)[:4]
    assert expected.hex() == key_id, "key id mismatch"
    return name, expected, Ed25519PublicKey.from_public_bytes(public)


def verify_note(note, name, key_id, public):
    text, _, sigs = note.rpartition("\n\n")
    text += "\n"
    signed = False
    for line in sigs.strip("\n").split("\n"):
        assert line.startswith(EM_DASH), "bad signature line"
        sig_name, b64 = line[len(EM_DASH):].split(" ")
        blob = base64.b64decode(b64, validate=True)
        if sig_name == name and blob[:4] == key_id:
            public.verify(blob[4:], text.encode())  # raises InvalidSignature
            signed = True
    assert signed, "not signed by the trusted key"
    origin, size, root, time = text.rstrip("\n").split("\n")
    assert origin == name and time.startswith("time ")
    return int(size), base64.b64decode(root, validate=True)


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    directory, vkey = sys.argv[1], sys.argv[2]
    name, key_id, public = parse_vkey(vkey)
    checkpoints = []
    for kind, _, index, check, body in records(f"{directory}/checkpoints", b"custodian-ckp-1\n"):
        if kind in ("torn", "torn-record"):
            break
        if index != len(checkpoints) or leaf(body) != check:
            print(f"BROKEN: stored checkpoint {len(checkpoints)}: bad record")
            return 1
        try:
            checkpoints.append(verify_note(body.decode(), name, key_id, public))
        except (AssertionError, InvalidSignature, ValueError) as e:
            print(f"BROKEN: stored checkpoint {len(checkpoints)}: {e or 'bad signature'}")
            return 1
    if len(sys.argv) == 4:
        checkpoints.append(verify_note(open(sys.argv[3]).read(), name, key_id, public))
    checkpoints.sort()
    for (size1, root1), (size2, root2) in zip(checkpoints, checkpoints[1:]):
        if size1 == size2 and root1 != root2:
            print(f"EQUIVOCATION: the log signed two different trees of size {size1}: "
                  f"root {root1.hex()} and root {root2.hex()}")
            return 3
    covered = checkpoints[-1][0] if checkpoints else 0
    frontier = Frontier()
    pending = list(checkpoints)
    last_good = 0
    while pending and pending[0][0] == 0:
        if pending.pop(0)[1] != sha256(b""):
            print("BROKEN at entry 0: root mismatch")
            return 1
    for kind, _, index, check, body in records(f"{directory}/entries", b"custodian-log-1\n"):
        at = frontier.size
        if kind in ("torn", "torn-record") and at >= covered:
            break
        if kind == "torn":
            print(f"BROKEN at entry {at}: truncated")
            return 1
        if index != at:
            print(f"BROKEN at entry {at}: found entry {index}")
            return 1
        if leaf(body) != check:
            print(f"BROKEN at entry {at}: altered")
            return 1
        frontier.push(check)
        while pending and pending[0][0] == frontier.size:
            size, root = pending.pop(0)
            if frontier.root() != root:
                print(f"BROKEN at entry {last_good}: root mismatch at size {size}")
                return 1
            last_good = size
    if frontier.size < covered:
        print(f"BROKEN at entry {frontier.size}: truncated (checkpoint covers {covered})")
        return 1
    if not checkpoints:
        print(f"UNVERIFIED: {frontier.size} entries, no checkpoint")
        return 1
    size, root = checkpoints[-1]
    print(f"OK: {frontier.size} entries; checkpoint of size {size} verified, root {root.hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
