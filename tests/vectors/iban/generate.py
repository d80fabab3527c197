#!/usr/bin/env python3
"""Writes national.tsv: IBANs whose mod-97 check digits are right, with
schwifty's verdict on their national check digits.

    python3 -m venv /tmp/ib && /tmp/ib/bin/pip install schwifty==2026.10.1
    /tmp/ib/bin/python tests/vectors/iban/generate.py > tests/vectors/iban/national.tsv

For each country whose national check digits schwifty verifies, random
BBANs of the registry structure with IBAN check digits computed for them,
so that only the national digits can fail: 60 that schwifty accepts and 60
it rejects.
Columns: iban, `valid` or `invalid`.
"""
import random
import string

import schwifty
from schwifty import IBAN
from schwifty.bban import BBAN
from schwifty.exceptions import SchwiftyException

COUNTRIES = ["BE", "ES", "FI", "FR", "IT", "MC", "NO", "PL", "SM"]
CLASSES = {"n": string.digits, "a": string.ascii_uppercase, "c": string.digits + string.ascii_uppercase}


def random_bban(rng, spec):
    out = []
    for count, cls in spec:
        out.append("".join(rng.choice(CLASSES[cls]) for _ in range(count)))
    return "".join(out)


def iban_for(country, bban):
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def verdict(iban):
    try:
        IBAN(iban, validate_bban=True)
        return "valid"
    except SchwiftyException:
        return "invalid"


def main():
    rng = random.Random(13)
    import re
    from schwifty import registry
    for country in COUNTRIES:
        spec = [(int(n), c) for n, c in re.findall(r"(\d+)!([nac])", registry.get_iban_spec(country).bban_spec)]
        seen = {"valid": 0, "invalid": 0}
        while min(seen.values()) < 60:
            iban = iban_for(country, random_bban(rng, spec))
            v = verdict(iban)
            if seen[v] < 60:
                seen[v] += 1
                print(f"{iban}\t{v}")


main()
