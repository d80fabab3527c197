//! National check digits inside the BBAN, for the countries whose banks
//! define them (the ones python-stdnum and schwifty check). Each function
//! takes the BBAN, compact and upper case, after its structure has been
//! checked against the registry ([`crate::validate::bban_valid`]), so
//! lengths and character classes are known.
//!
//! Germany and a few others define check digits per bank, from a table of
//! a hundred-odd methods keyed by bank code; they are not checked here.

use crate::validate::luhn_valid;

/// Whether the national check digits of `bban` are right; `true` for a
/// country that has none (or none checked here).
pub(super) fn valid(country: &[u8], bban: &[u8]) -> bool {
    match country {
        b"BE" => belgium(bban),
        b"ES" => spain(bban),
        b"FI" => luhn_valid(bban),
        b"FR" | b"MC" => france(bban),
        b"IT" | b"SM" => italy(bban),
        b"NO" => norway(bban),
        b"PL" => poland(bban),
        b"PT" => portugal(bban),
        _ => true,
    }
}

fn digit(b: u8) -> u32 {
    u32::from(b.wrapping_sub(b'0'))
}

/// The number the digits spell, modulo `m` (any length, no overflow).
fn modulo(digits: &[u8], m: u32) -> u32 {
    digits.iter().fold(0, |rem, &b| (rem * 10 + digit(b)) % m)
}

fn weighted(digits: &[u8], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(&b, w)| digit(b) * w).sum()
}

/// Belgium: the last two digits are the first ten modulo 97 (97 for 0).
fn belgium(bban: &[u8]) -> bool {
    let (number, check) = bban.split_at(10);
    let rem = modulo(number, 97);
    (if rem == 0 { 97 } else { rem }) == modulo(check, 100)
}

/// Spain (CCC): one digit over bank and branch, one over the account, each
/// 11 minus a weighted sum modulo 11 (11 gives 0, 10 gives 1).
fn spain(bban: &[u8]) -> bool {
    const WEIGHTS: [u32; 10] = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
    let check = |digits: &[u8], weights: &[u32]| match 11 - weighted(digits, weights) % 11 {
        11 => 0,
        10 => 1,
        d => d,
    };
    // The bank and branch are eight digits, weighted as if led by "00".
    check(&bban[..8], &WEIGHTS[2..]) == digit(bban[8])
        && check(&bban[10..], &WEIGHTS) == digit(bban[9])
}

/// France and Monaco (clé RIB): bank, branch and account, letters of the
/// account read as digits, then the key, make a multiple of 97; the key is
/// 1 to 97.
fn france(bban: &[u8]) -> bool {
    // A-I, J-R and S-Z count 1-9, 1-9 and 2-9.
    const LETTERS: &[u8; 26] = b"12345678912345678923456789";
    let rem = bban[..21].iter().fold(0, |rem, &b| {
        let d = if b.is_ascii_uppercase() {
            digit(LETTERS[usize::from(b - b'A')])
        } else {
            digit(b)
        };
        (rem * 10 + d) % 97
    });
    97 - rem * 100 % 97 == modulo(&bban[21..], 100)
}

/// Italy and San Marino (CIN): a letter from the 22 characters after it,
/// odd positions through a table, even ones by value, modulo 26.
fn italy(bban: &[u8]) -> bool {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let sum: u32 = bban[1..]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let value = if b.is_ascii_uppercase() {
                u32::from(b - b'A')
            } else {
                digit(b)
            };
            if i % 2 == 0 {
                ODD[value as usize]
            } else {
                value
            }
        })
        .sum();
    u32::from(bban[0] - b'A') == sum % 26
}

/// Norway: modulo 11 with weights 5,4,3,2,7,6,5,4,3,2 (a remainder that
/// needs check digit 10 is never issued); accounts under the postgiro bank
/// code 0000 carry a Luhn digit over their seven digits instead.
fn norway(bban: &[u8]) -> bool {
    if let Some(account) = bban.strip_prefix(b"0000") {
        return luhn_valid(account);
    }
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    match 11 - weighted(&bban[..10], &WEIGHTS) % 11 {
        10 => false,
        check => check % 11 == digit(bban[10]),
    }
}

/// Poland: the eighth digit checks the bank and branch number, weights
/// 3,9,7,1,3,9,7 modulo 10.
fn poland(bban: &[u8]) -> bool {
    (10 - weighted(&bban[..7], &[3, 9, 7, 1, 3, 9, 7]) % 10) % 10 == digit(bban[7])
}

/// Portugal (NIB): ISO 7064 MOD 97-10 over bank, branch and account.
fn portugal(bban: &[u8]) -> bool {
    98 - modulo(&bban[..19], 97) * 100 % 97 == modulo(&bban[19..], 100)
}
