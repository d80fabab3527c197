#!/usr/bin/env python3
"""Writes libphonenumber.tsv: phone numbers with libphonenumber's verdict.

The verdicts come from `phonenumbers`, the Python port of libphonenumber, at
the same metadata version the crate pins (9.0.33):

    python3 -m venv /tmp/pn && /tmp/pn/bin/pip install phonenumbers==9.0.33
    /tmp/pn/bin/python tests/vectors/phone/generate.py > tests/vectors/phone/libphonenumber.tsv

Rows: every example number of every region and number type in the metadata,
in national form (read in its region), international form and E.164 (read
without a region), dialled from another region through that region's
international prefix, read as a national number of another region, and
mutated (a digit dropped, added or changed, a letter put in); then the
cases the crate's docs name. Columns, tab-separated:

    region  input  form  e164|invalid|refused  region-of-number  type

`region` is the region the input is read in (`-` for none); `refused` marks
inputs the crate refuses before parsing (letters), whatever libphonenumber
makes of them.
"""
import random
import sys

import phonenumbers as pn
from phonenumbers import PhoneNumberFormat as F
from phonenumbers import PhoneNumberType as T
from phonenumbers.phonenumberutil import NumberParseException

assert pn.__version__ == "9.0.33", pn.__version__

TYPES = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE, T.SHARED_COST,
         T.VOIP, T.PERSONAL_NUMBER, T.PAGER, T.UAN, T.VOICEMAIL]
NAMES = {getattr(T, n): n for n in dir(T) if n.isupper()}


def verdict(region, text):
    try:
        n = pn.parse(text, None if region == "-" else region)
    except NumberParseException:
        return ["invalid", "-", "-"]
    if not pn.is_valid_number(n):
        return ["invalid", "-", "-"]
    return [pn.format_number(n, F.E164), pn.region_code_for_number(n), NAMES[pn.number_type(n)]]


def main():
    rng = random.Random(12)
    rows = []

    def add(region, text, form, refused=False):
        result = ["refused", "-", "-"] if refused else verdict(region, text)
        rows.append([region, text, form] + result)

    regions = sorted(pn.SUPPORTED_REGIONS)
    for i, region in enumerate(regions):
        other = regions[(i + 97) % len(regions)]
        meta = pn.PhoneMetadata.metadata_for_region(region)
        idd = meta.preferred_international_prefix or meta.international_prefix
        for kind in TYPES:
            example = pn.example_number_for_type(region, kind)
            if example is None:
                continue
            national = pn.format_number(example, F.NATIONAL)
            international = pn.format_number(example, F.INTERNATIONAL)
            e164 = pn.format_number(example, F.E164)
            nsn = pn.national_significant_number(example)
            add(region, national, "national")
            add("-", international, "international")
            add("-", e164, "e164")
            if idd.isdigit():
                add(region, idd + " " + international[1:], "idd-own")
            add(other, national, "national-elsewhere")
            at = rng.randrange(len(nsn))
            digit = str(rng.randrange(10))
            changed = nsn[:at] + str((int(nsn[at]) + 1 + rng.randrange(9)) % 10) + nsn[at + 1:]
            code = e164[1:len(e164) - len(nsn)]
            add("-", "+" + code + nsn[:at] + nsn[at + 1:], "drop")
            add("-", "+" + code + nsn[:at] + digit + nsn[at:], "add")
            add("-", "+" + code + changed, "change")
            add(region, nsn[:-1], "drop-national")
            add(region, nsn + digit, "add-national")
            letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rng.randrange(26)]
            add("-", "+" + code + nsn[:at] + letter + nsn[at + 1:], "letter", refused=True)
        # Dialled from here to a number abroad, through this region's prefix.
        abroad = pn.format_number(pn.example_number_for_type("GB" if region != "GB" else "DE", T.MOBILE), F.INTERNATIONAL)
        if idd.isdigit():
            add(region, idd + " " + abroad[1:], "idd")
        add(region, "00 " + abroad[1:], "00")
        # Random digits after the calling code, at a possible length.
        code = str(meta.country_code)
        lengths = [n for n in meta.general_desc.possible_length if n > 0]
        for _ in range(3):
            n = rng.choice(lengths)
            add("-", "+" + code + "".join(str(rng.randrange(10)) for _ in range(n)), "random")
    for code in sorted(pn.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = pn.example_number_for_non_geo_entity(code)
        if example is not None:
            add("-", pn.format_number(example, F.INTERNATIONAL), "non-geographic")
            add("-", pn.format_number(example, F.E164)[:-1], "non-geographic-drop")
    # The cases the docs and the issue name.
    for region, text in [
        ("IT", "06 6982 0001"), ("-", "+39 06 6982 0001"), ("IT", "6 6982 0001"),
        ("RU", "8 (912) 345-67-89"), ("RU", "8 800 555 35 35"), ("-", "+7 800 555 35 35"),
        ("RU", "810 49 30 12345678"), ("HU", "06 1 234 5678"), ("HU", "06 20 123 4567"),
        ("US", "555-2671"), ("US", "(415) 555-2671"), ("US", "1 415 555 2671"),
        ("US", "011 44 20 7946 0958"), ("GB", "00 1 415 555 2671"), ("GB", "+44 (0)20 7946 0958"),
        ("-", "+44 (0)20 7946 0958"), ("GB", "020 7946 0958"), ("DE", "020 7946 0958"),
        ("DE", "030 1234 5678"), ("DE", "+49 (0)30 1234 5678"), ("DE", "49 30 1234 5678"),
        ("CA", "416 555 0123"), ("US", "416 555 0123"), ("KZ", "8 701 123 4567"),
        ("-", "+7 701 123 4567"), ("GB", "07911 123456"), ("GG", "07781 123456"),
        ("FR", "06 12 34 56 78"), ("FR", "0033 6 12 34 56 78"), ("-", "++33 6 12 34 56 78"),
        ("-", "(+33) 6 12 34 56 78"), ("-", "+33 6 12 34 56 78 +"), ("NZ", "+0064 3 331 6005"),
        ("AU", "0011 44 20 7946 0958"), ("BR", "0 21 2345 6789"), ("AR", "011 15 2345 6789"),
        ("MX", "55 1234 5678"), ("JP", "03-1234-5678"), ("CN", "010 1234 5678"),
        ("IN", "098765 43210"), ("-", "+800 1234 5678"), ("-", "+1 242 357 1234"),
    ]:
        add(region, text, "named")
    out = sys.stdout
    for row in rows:
        assert all("\t" not in c and "\n" not in c for c in row), row
        out.write("\t".join(row) + "\n")


main()
