//! The built-in scanner: one left-to-right pass over a line.
//!
//! # Design
//!
//! Every built-in kind has an *anchor byte* that any instance contains: an
//! ASCII digit (cards, phones, IBANs, IPs, SSNs, dates) or `@` (emails),
//! and `:` for IPv6 addresses written with letters only around the colons.
//! The scanner skips everything else, and at each anchor parses the
//! surrounding *token* (digit groups and their separators, a dotted or
//! colon-separated address, an email address) with bounded look-around. A
//! token is parsed once and then classified by the validators in
//! [`validate`](super::validate); ambiguous shapes also need a label before
//! them ([`context`](super::context)).
//!
//! Each byte is visited a bounded number of times (a token is never longer
//! than [`MAX_TOKEN`] for classification, look-arounds are bounded), so a
//! line costs linear time whatever it contains: digit runs, thousands of
//! `@`, NUL bytes or invalid UTF-8.
//!
//! Overlapping findings are resolved after the pass: the longest wins, then
//! the earliest, then the kind that comes first in
//! [`DetectedKind::BUILT_IN`].
//!
//! # Speed
//!
//! Log lines hold a digit token every dozen bytes (timestamps, order and
//! tracking numbers, trace ids, amounts, versions), nearly all of them
//! look-alikes, so the cost is per token: the common rejections are decided
//! from the token's shape before any validator runs, and no byte is read
//! twice where that can be helped.
//!
//! - *Skipping* goes eight bytes at a time (SWAR on a `u64`): the anchors
//!   and the end of a digit run are found with a few word operations each
//!   ([`anchor_bits`], [`non_digit_bits`]); only the first hit of a word
//!   needs to be exact. `#![forbid(unsafe_code)]` rules out SIMD
//!   intrinsics, and the compiler does not turn byte-mask loops into
//!   `pmovmskb`, so this is the widest safe step.
//! - *Identifiers* (digits glued to letters: trace ids, `JJD…` tracking
//!   numbers, the `T09` of a timestamp) are skipped whole, as is the word
//!   glued after a token (`2025-07-17T…`).
//! - *Lone short runs* (`latency_ms":72`, `#227003`) are settled without a
//!   token. A token's parse continues from the digit run already found.
//! - *Shape first*: [`plausible_shape`] drops digit counts no kind has
//!   (fewer than 4; with `+` fewer than 8; fewer than 6 unless a dotted
//!   quad or a year) before the right boundary is even looked at; the
//!   digits are copied out only for the checks that read them (cards,
//!   SSNs, `00` prefixes), and a lone run is its own digit string.
//! - *Validators in order of cost*: Luhn (by digit pairs) before the issuer
//!   table; label patterns, a reverse regex search, last, behind a byte
//!   test that settles windows no label can end (`HTTP/1.1" 200 4756`).
//!
//! - *Ties*: the `:` and `=` of `key: value` fields are anchors too; the
//!   scanner notes those whose key may name personal data (a filter on the
//!   key's last four bytes) for the keyed pass, which then never searches
//!   the line itself. ISO 8601 date-times, the most common token of a log
//!   line, are recognised by three word compares and skipped whole.
//!
//! On the benchmark's marketplace logs this is about 25 instructions per
//! byte, a third of them in the anchor and digit skipping, a third in
//! token parsing and shape checks, the rest in validators and the label
//! regexes.

use super::context::{self, Patterns};
use super::finding::{DetectedKind, KindSet};
use super::keyed::{FieldKeys, Ties};
use crate::validate;

/// Tokens longer than this many bytes are not classified (no PII kind is
/// that long) but still skipped in one step.
pub(crate) const MAX_TOKEN: usize = 96;

/// At most this many digit groups are recorded per token.
const MAX_GROUPS: usize = 16;

/// Longest email address (RFC 5321: 64 local + `@` + 255 domain, less the
/// path overhead) and its parts.
const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 253;

/// Longest IPv6 text form with an embedded IPv4 tail.
const MAX_IPV6: usize = 45;

/// A finding before character offsets are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Raw {
    pub(crate) kind: DetectedKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) validator: &'static str,
}

/// The separator before a digit group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sep {
    None,
    Space,
    Dash,
    Dot,
    Slash,
    /// Any separator involving a parenthesis: `) `, ` (`, `)-`, `(`, `)`.
    Paren,
}

/// A digit group; offsets are relative to the token's first digit, which
/// keeps the group table small (tokens are at most [`MAX_TOKEN`] bytes).
#[derive(Clone, Copy, Debug)]
struct Group {
    start: u8,
    end: u8,
    sep: Sep,
}

impl Group {
    const EMPTY: Self = Self {
        start: 0,
        end: 0,
        sep: Sep::None,
    };

    fn len(&self) -> usize {
        usize::from(self.end - self.start)
    }
}

/// A run of digit groups, e.g. `+44 (0)7935 583865` or `2025-07-17 09`.
struct Token {
    /// Start including a leading `+` or `(`.
    start: usize,
    /// The first digit: group offsets count from here.
    base: usize,
    plus: bool,
    open_paren: bool,
    groups: [Group; MAX_GROUPS],
    len: usize,
    end: usize,
    /// Too long or too many groups to be any kind of PII.
    overlong: bool,
    /// The byte before `start` makes this the tail of a word or identifier.
    glued_left: bool,
    /// Some group after the first is separated by a single space.
    spaced: bool,
}

/// One scan of one line (or window of a long line).
pub(crate) struct Scanner<'a> {
    pub(crate) hay: &'a [u8],
    /// Findings that start before this offset belong to an earlier window.
    pub(crate) from: usize,
    /// `hay[0]` continues a line (a window seam): there is unseen text
    /// before it.
    pub(crate) seam: bool,
    pub(crate) kinds: KindSet,
    pub(crate) patterns: &'a Patterns,
    pub(crate) out: &'a mut Vec<Raw>,
    /// The field keys, and where their ties were seen (for the keyed pass).
    pub(crate) keys: &'a FieldKeys,
    pub(crate) ties: &'a mut Ties,
}

/// `\w` with Unicode off: `[0-9A-Za-z_]`.
pub(crate) const fn is_word(b: u8) -> bool {
    WORD[b as usize]
}

/// [`is_word`] as a table: one load instead of three range tests, on a
/// path that asks it for most bytes around every token.
static WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    t
};

const fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

const fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

const fn is_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// Bytes the main loop stops at.
static ANCHOR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = true;
        b += 1;
    }
    t[b'@' as usize] = true;
    t[b':' as usize] = true;
    t[b';' as usize] = true;
    t[b'<' as usize] = true;
    t[b'=' as usize] = true;
    t[b'&' as usize] = true;
    t
};

/// Byte classes of IPv6 text, one table look-up per byte while expanding
/// around a colon.
const V6_OTHER: u8 = 0;
const V6_HEX: u8 = 1;
const V6_COLON: u8 = 2;
const V6_DOT: u8 = 3;
static V6_CLASS: [u8; 256] = {
    let mut t = [V6_OTHER; 256];
    let mut b = 0;
    while b < 256 {
        if is_hex(b as u8) {
            t[b] = V6_HEX;
        }
        b += 1;
    }
    t[b':' as usize] = V6_COLON;
    t[b'.' as usize] = V6_DOT;
    t
};

use crate::swar::{HI, LO, alphanumeric_bits, find_first, load};

/// Bit 7 set in the byte of `word` that holds its first anchor (an ASCII
/// digit, `:`, `;`, `<`, `=`, `@` or `&`), if there is one. Only the lowest
/// set bit counts: bytes above the first anchor may be flagged too, so
/// callers take `trailing_zeros` (or test for zero) and nothing else.
///
/// `b ^ 0x30` is below `0x0E` exactly for `0`..=`=`, and `b ^ 0x40` is zero
/// exactly for `@` (and `b ^ 0x26` for `&`). Per byte, `(x - n) & !x` has
/// bit 7 set when `x < n`; the subtraction borrows across bytes only out
/// of a byte that is below `n`, so no byte under the first hit is
/// disturbed. (`;` and `<` are anchors only because they lie in that
/// range: one range test is cheaper than a test for `=` alone.)
const fn anchor_bits(word: u64) -> u64 {
    let digit_to_equals = word ^ (LO * 0x30);
    let at = word ^ (LO * 0x40);
    let amp = word ^ (LO * 0x26);
    ((digit_to_equals.wrapping_sub(LO * 0x0E) & !digit_to_equals)
        | (at.wrapping_sub(LO) & !at)
        | (amp.wrapping_sub(LO) & !amp))
        & HI
}

/// The position of the first anchor byte at or after `i`, or `hay.len()`.
/// Eight bytes at a time: text between anchors is skipped near memory
/// speed.
fn next_anchor(hay: &[u8], i: usize) -> usize {
    find_first(hay, i, anchor_bits, |b| ANCHOR[usize::from(b)])
}

/// [`next_anchor`] for text where anchors are expected to be far apart
/// (the block pass over whole lines): 32 bytes per step.
pub(crate) fn next_anchor_far(hay: &[u8], mut i: usize) -> usize {
    // Log lines start with a timestamp: look at the first word alone.
    if let Some(chunk) = hay.get(i..i + 8) {
        let bits = anchor_bits(load(chunk));
        if bits != 0 {
            return i + (bits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(block) = hay.get(i..i + 32) {
        let any = block
            .chunks_exact(8)
            .fold(0, |acc, chunk| acc | anchor_bits(load(chunk)));
        if any != 0 {
            break;
        }
        i += 32;
    }
    next_anchor(hay, i)
}

/// Bit 7 of each byte of `word` that is a word byte: `[0-9A-Za-z_]`.
const fn word_bits(word: u64) -> u64 {
    let underscore = !((word ^ (LO * b'_' as u64)) & !HI).wrapping_add(LO * 0x7f) & HI;
    alphanumeric_bits(word) | (underscore & !word & HI)
}

/// The end of the run of word bytes starting at `i`, eight bytes at a time.
fn word_end(hay: &[u8], i: usize) -> usize {
    find_first(hay, i, |w| !word_bits(w) & HI, |b| !is_word(b))
}

/// Bit 7 set in the byte of `word` that holds its first non-digit, if
/// any; as in [`anchor_bits`] only the lowest set bit counts. `b ^ 0x30` is
/// below 10 exactly for digits: adding `0x76` reaches bit 7 from 10 up, the
/// byte itself has it from `0x80` up, and a carry only leaves a byte that
/// is flagged already.
const fn non_digit_bits(word: u64) -> u64 {
    let x = word ^ (LO * 0x30);
    (x.wrapping_add(LO * 0x76) | x) & HI
}

/// The end of the run of ASCII digits starting at `i`, eight bytes at a
/// time (16-digit order numbers take two steps, not sixteen).
fn digit_end(hay: &[u8], i: usize) -> usize {
    find_first(hay, i, non_digit_bits, |b| !b.is_ascii_digit())
}

/// The separator that joins the digit run ending at `j` to a next digit
/// group of the same token, and its width: one byte (` `, `-`, `.`, `/`,
/// `(`, `)`) or two (` (`, `) `, `)-`).
fn group_sep(hay: &[u8], j: usize) -> Option<(Sep, usize)> {
    let (&b0, &b1) = (hay.get(j)?, hay.get(j + 1)?);
    if b1.is_ascii_digit() {
        let sep = match b0 {
            b' ' => Sep::Space,
            b'-' => Sep::Dash,
            b'.' => Sep::Dot,
            b'/' => Sep::Slash,
            b'(' | b')' => Sep::Paren,
            _ => return None,
        };
        Some((sep, 1))
    } else if matches!((b0, b1), (b' ', b'(') | (b')', b' ' | b'-'))
        && hay.get(j + 2).is_some_and(u8::is_ascii_digit)
    {
        Some((Sep::Paren, 2))
    } else {
        None
    }
}

fn digits_value(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(9)
        // Callers pass digit runs; the mask only keeps other bytes from
        // overflowing the sum.
        .fold(0, |acc, &b| {
            acc * 10 + u32::from(b.wrapping_sub(b'0') & 0x0f)
        })
}

impl Scanner<'_> {
    /// Runs the scan, appending findings to `out`.
    pub(crate) fn run(&mut self) {
        let hay = self.hay;
        let n = hay.len();
        let mut i = self.from;
        while i < n {
            i = next_anchor(hay, i);
            if i >= n {
                break;
            }
            let b = hay[i];
            // Digits are most anchors: one compare before the jump table,
            // whose indirect branch predicts poorly on a mix of anchors.
            let next = if b.is_ascii_digit() {
                self.numeric(i)
            } else {
                match b {
                    b'@' => self.email(i),
                    b':' => {
                        self.ties.note(hay, i, self.keys);
                        let resume = self.ipv6(i);
                        // The last colon of a chain skipped whole may still tie
                        // a key to a value after a space (`ab:cd: Ada`).
                        if resume > i + 1 && hay[resume - 1] == b':' {
                            self.ties.note(hay, resume - 1, self.keys);
                        }
                        resume
                    }
                    b'=' => {
                        self.ties.note(hay, i, self.keys);
                        i + 1
                    }
                    b'&' => self.escaped_email(i, i).unwrap_or(i + 1),
                    // `;` and `<`, anchors only because they share the digits'
                    // byte range.
                    _ => i + 1,
                }
            };
            // Every handler makes progress; the max keeps that a local fact.
            i = next.max(i + 1);
        }
    }

    fn push(&mut self, kind: DetectedKind, start: usize, end: usize, validator: &'static str) {
        if start >= self.from && self.kinds.has(kind) {
            self.out.push(Raw {
                kind,
                start,
                end,
                validator,
            });
        }
    }

    /// The byte before `i`; at a window seam the unseen byte counts as part
    /// of a word, so nothing is taken to start there.
    fn before(&self, i: usize) -> Option<u8> {
        if i == 0 {
            self.seam.then_some(b'a')
        } else {
            Some(self.hay[i - 1])
        }
    }

    /// The window of bytes before `i` that context patterns look at.
    fn context(&self, i: usize) -> &[u8] {
        &self.hay[i.saturating_sub(context::WINDOW)..i]
    }

    // ----- email -----------------------------------------------------------

    fn email(&mut self, at: usize) -> usize {
        self.address(at, at + 1).unwrap_or_else(|resume| resume)
    }

    /// An email whose `@` is written escaped at `at` (the `%`, `\` or `&`
    /// of `%40`, `\u0040`, `&#64;`, `&#x40;` or `&commat;`; see
    /// [`escaped_at_len`]); returns its end if one was found. `from` is the
    /// position the scan stands at, which the escape contains.
    fn escaped_email(&mut self, at: usize, from: usize) -> Option<usize> {
        let len = escaped_at_len(&self.hay[at..]);
        if len == 0 || at + len <= from {
            return None;
        }
        self.address(at, at + len).ok()
    }

    /// An email address whose local part ends at `at` and whose domain
    /// starts at `domain`: its end if one was pushed, else where to resume.
    fn address(&mut self, at: usize, domain: usize) -> Result<usize, usize> {
        let hay = self.hay;
        let mut start = at;
        while start > 0 && at - start <= MAX_LOCAL && is_local(hay[start - 1]) {
            start -= 1;
        }
        // Sentence punctuation before an address is not part of it.
        while start < at && matches!(hay[start], b'.' | b'-' | b'+') {
            start += 1;
        }
        let local = &hay[start..at];
        if local.is_empty()
            || local.len() > MAX_LOCAL
            || (start == 0 && self.seam)
            || local.ends_with(b".")
            || local.windows(2).any(|w| w == b"..")
        {
            return Err(at + 1);
        }
        let mut end = domain;
        while end < hay.len() && end - domain <= MAX_DOMAIN && is_domain(hay[end]) {
            end += 1;
        }
        if end - domain > MAX_DOMAIN {
            return Err(end);
        }
        while end > domain && matches!(hay[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if hay.get(end).is_some_and(|&b| b == b'@' || b == b'_') || !domain_valid(&hay[domain..end])
        {
            return Err(at + 1);
        }
        let validator = if domain == at + 1 {
            "email-syntax"
        } else {
            "email-syntax+escape"
        };
        self.push(DetectedKind::Email, start, end, validator);
        Ok(end)
    }

    // ----- IPv6 ------------------------------------------------------------

    fn ipv6(&mut self, colon: usize) -> usize {
        let hay = self.hay;
        let class = |b: u8| V6_CLASS[usize::from(b)];
        let addressy = |b: u8| matches!(class(b), V6_HEX | V6_COLON);
        // `"key":"value"` and `key: value` have no hex digit at the colon.
        let near = (colon > 0 && addressy(hay[colon - 1]))
            || hay.get(colon + 1).is_some_and(|&b| addressy(b));
        if !near {
            return colon + 1;
        }
        // Expand over hex digits and colons (and dots, for an IPv4 tail),
        // counting colons and noting `::` on the way.
        let mut colons = 1;
        let mut double = false;
        let mut start = colon;
        while start > 0 && colon - start < MAX_IPV6 {
            match class(hay[start - 1]) {
                V6_COLON => {
                    colons += 1;
                    double |= hay[start] == b':';
                }
                V6_HEX => {}
                _ => break,
            }
            start -= 1;
        }
        let mut end = colon + 1;
        let mut dotted = false;
        while end < hay.len() && end - start <= MAX_IPV6 {
            match class(hay[end]) {
                V6_COLON => {
                    colons += 1;
                    double |= hay[end - 1] == b':';
                }
                V6_DOT => dotted = true,
                V6_HEX => {}
                _ => break,
            }
            end += 1;
        }
        if colons < 2 {
            // Not an address: the digits after the colon (`"pan":4242…`)
            // are still to be looked at.
            return colon + 1;
        }
        let resume = end;
        // Eight groups, or `::`, or six groups and an IPv4 tail: anything
        // else (clock times `14:27:52.927`) is skipped without a parse.
        if !(colons >= 7 || double || (colons == 6 && dotted)) {
            return resume;
        }
        // A trailing full stop ends a sentence; a single trailing colon
        // introduces what follows (`from 2001:db8::1: denied`).
        while end > start && hay[end - 1] == b'.' {
            end -= 1;
        }
        if end >= start + 2 && hay[end - 1] == b':' && hay[end - 2] != b':' {
            end -= 1;
        }
        let cand = &hay[start..end];
        let left_ok = self
            .before(start)
            .is_none_or(|b| !is_word(b) && b != b'.' && b != b':');
        let right_ok = hay.get(end).is_none_or(|&b| !is_word(b));
        if end - start <= MAX_IPV6
            && left_ok
            && right_ok
            && cand.iter().any(|&b| is_hex(b))
            && validate::ipv6_valid(cand)
        {
            self.push(DetectedKind::IpAddress, start, end, "ipv6");
        }
        // An address, or a colon chain that is none: nothing else in it.
        resume
    }

    // ----- digit tokens ----------------------------------------------------

    fn numeric(&mut self, i: usize) -> usize {
        let hay = self.hay;
        let prev = self.before(i);
        match prev {
            Some(b) if b.is_ascii_alphabetic() && i >= 2 => {
                // An IBAN's digits follow its two-letter country code, in
                // upper or (as some banking apps copy it) lower case.
                if same_case_letters(hay[i - 2], b)
                    && self.before(i - 2).is_none_or(|b| !is_word(b))
                {
                    if let Some(end) = self.iban(i - 2) {
                        return end;
                    }
                }
                // `\u0040`: an escaped `@`.
                if b == b'u' && hay[i - 2] == b'\\' {
                    if let Some(end) = self.escaped_email(i - 2, i) {
                        return end;
                    }
                }
            }
            // `%40` (`&#64;` is found from its `&`).
            Some(b'%') => {
                if let Some(end) = self.escaped_email(i - 1, i) {
                    return end;
                }
            }
            _ => {}
        }
        // Most digit runs in logs are short and alone (`"latency_ms":72`,
        // `14:27:52`): settle those without building a token.
        let mut run = digit_end(hay, i);
        let first_run = run;
        // Digits glued to letters are part of an identifier (trace ids,
        // UUIDs, `1ZK6WR1J…`, `JJD1615…`): skip the whole identifier. An
        // address or email that contains it is found from its `:` or `@`.
        let letter_before = prev.is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
        let letter_after = hay
            .get(run)
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_');
        if letter_before || letter_after {
            run = word_end(hay, run);
            // `ES77 2521 6058 …` (an IBAN that failed its check): the digit
            // groups chained to the identifier belong to it too.
            let chained = matches!(hay.get(run), Some(b' ' | b'-' | b'.' | b'/'))
                && hay.get(run + 1).is_some_and(u8::is_ascii_digit);
            if letter_before && chained && hay[run - 1].is_ascii_digit() {
                return self.token(i, first_run).end.max(run);
            }
            return run;
        }
        // An ISO 8601 date and time (`2025-07-17T09:25:11`), the most
        // common token of a log line, is no PII however it goes on: its
        // date is glued to the `T` and its clock is a colon chain.
        if run - i == 4 && hay.get(run) == Some(&b'-') && iso_date_time(&hay[i..]) {
            return i + ISO_DATE_TIME;
        }
        let joined = group_sep(hay, run).is_some();
        if !joined && !matches!(prev, Some(b'+' | b'(')) {
            // A lone group is a year (4 digits) or has at least 7 digits
            // (phone, SSN, date, card); `#227003`, `last4=3924 ` and `1587`
            // are nothing.
            if run - i < 4 || (5..7).contains(&(run - i)) {
                return run;
            }
            if run - i == 4 {
                if !self.glued_left(i) && self.right_boundary(run) == Right::Open {
                    self.text_date(i, run);
                }
                return run;
            }
        }
        // After a `+` only a phone number starts, and it has at least eight
        // digits: a lone `+0000` (an access log's time zone) is nothing.
        if !joined && prev == Some(b'+') && run - i < 8 {
            return run;
        }
        let token = self.token(i, run);
        if token.overlong || token.glued_left {
            return token.end;
        }
        // Glued to a word on the right (`2025-03-23T…`) and no space to
        // split at: neither the token nor a part of it can be PII.
        if !token.spaced
            && self.right_boundary(token.end) == Right::Glued
            && !self.phone_tail(token.end)
        {
            return self.glued_word_end(token.end);
        }
        let found_before = self.out.len();
        self.classify(&token, 0, token.len);
        if self.out.len() == found_before && token.len > 1 {
            self.sub_ranges(&token);
        }
        token.end
    }

    /// Where to resume after a token glued to the word at `end`: the end
    /// of that word when it starts with a letter, since its digits (`T09`
    /// of a timestamp) are part of an identifier and would be skipped with
    /// it anyway; `end` itself when the word would chain on into digit
    /// groups (then the usual path decides) or is not a word.
    fn glued_word_end(&self, end: usize) -> usize {
        let hay = self.hay;
        if !hay
            .get(end)
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        {
            return end;
        }
        let word = word_end(hay, end);
        let chained = matches!(hay.get(word), Some(b' ' | b'-' | b'.' | b'/'))
            && hay.get(word + 1).is_some_and(u8::is_ascii_digit);
        if chained && hay[word - 1].is_ascii_digit() {
            end
        } else {
            word
        }
    }

    /// Whether a token starting at `start` is glued to what comes before
    /// it: a word, `+` or `@`, or the tail of an identifier (`C-476642`,
    /// `v1.2`, `id/123`). A comma separates fields: `P-1,6011 0009 …` in a
    /// CSV row is not glued.
    fn glued_left(&self, start: usize) -> bool {
        match self.before(start) {
            None => false,
            Some(b) if is_word(b) || b == b'+' || b == b'@' => true,
            Some(b'-' | b'.' | b'/') => start > 0 && self.before(start - 1).is_some_and(is_word),
            Some(_) => false,
        }
    }

    /// Parses the token whose first digit is at `i` and whose first digit
    /// run ends at `first_end`.
    fn token(&self, i: usize, first_end: usize) -> Token {
        let hay = self.hay;
        let mut t = Token {
            start: i,
            base: i,
            plus: false,
            open_paren: false,
            groups: [Group::EMPTY; MAX_GROUPS],
            len: 0,
            end: i,
            overlong: false,
            glued_left: false,
            spaced: false,
        };
        match self.before(i) {
            Some(b'+') => {
                t.start = i - 1;
                t.plus = true;
            }
            Some(b'(') => {
                t.start = i - 1;
                t.open_paren = true;
            }
            _ => {}
        }
        t.glued_left = self.glued_left(t.start);
        let mut j = i;
        let mut sep = Sep::None;
        let mut run_end = first_end;
        loop {
            let gs = j;
            j = run_end;
            if t.len < MAX_GROUPS && j - i <= MAX_TOKEN {
                // Both offsets are at most MAX_TOKEN (96), so they fit a u8.
                t.groups[t.len] = Group {
                    start: (gs - i) as u8,
                    end: (j - i) as u8,
                    sep,
                };
                t.len += 1;
            } else {
                t.overlong = true;
            }
            let Some((next_sep, width)) = group_sep(hay, j) else {
                break;
            };
            sep = next_sep;
            t.spaced |= sep == Sep::Space;
            j += width;
            run_end = digit_end(hay, j);
        }
        t.end = j;
        if t.end - t.start > MAX_TOKEN {
            t.overlong = true;
        }
        t
    }

    /// Splits the token at spaces when it is not PII as a whole, taking
    /// the longest PII run from the left each time: `+44 161 711 0888
    /// 4242-4242-4242-4242` is a phone number and a card, `2025-07-17 09`
    /// a date and an hour.
    fn sub_ranges(&mut self, t: &Token) {
        let mut cuts = [0usize; MAX_GROUPS + 1];
        let mut n = 1;
        for k in 1..t.len {
            if t.groups[k].sep == Sep::Space {
                cuts[n] = k;
                n += 1;
            }
        }
        cuts[n] = t.len;
        n += 1;
        let mut a = 0;
        while a + 1 < n {
            let mut next = a + 1;
            // The whole token was tried already.
            let widest = if a == 0 { n - 2 } else { n - 1 };
            for b in (a + 1..=widest).rev() {
                let before = self.out.len();
                self.classify(t, cuts[a], cuts[b]);
                if self.out.len() > before {
                    next = b;
                    break;
                }
            }
            a = next;
        }
    }

    /// Classifies groups `a..b` of `t` and pushes at most one finding.
    fn classify(&mut self, t: &Token, a: usize, b: usize) {
        let groups = &t.groups[a..b];
        let Some(last) = groups.last() else { return };
        let first = &groups[0];
        let (plus, open_paren) = if a == 0 {
            (t.plus, t.open_paren)
        } else {
            (false, false)
        };
        let base = t.base;
        let span = |g: &Group| base + usize::from(g.start)..base + usize::from(g.end);
        let start = if a == 0 { t.start } else { span(first).start };
        let end = span(last).end;
        let count: usize = groups.iter().map(Group::len).sum();
        let seps_all = |s: Sep| groups[1..].iter().all(|g| g.sep == s);
        if !plausible_shape(groups, count, plus, open_paren) {
            return;
        }
        // Glued to a word (`2025-03-23T…`, `123abc`): nothing to classify,
        // unless a phone number's extension or a word after a dash
        // (`212-555-0143x2201`, `07700 900 123-Fax`) is glued to it.
        let right = self.right_boundary(end);
        let phone_only = right == Right::Glued;
        if phone_only && !self.phone_tail(end) {
            return;
        }
        let lens = |want: &[usize]| {
            groups.len() == want.len() && groups.iter().zip(want).all(|(g, &w)| g.len() == w)
        };

        // IPv4: a dotted quad, unless labelled as a version or build.
        if groups.len() == 4 && seps_all(Sep::Dot) && !plus && !open_paren {
            let octet = |g: &Group| {
                let d = &self.hay[span(g)];
                d.len() <= 3 && (d.len() == 1 || d[0] != b'0') && digits_value(d) <= 255
            };
            // In a comma-separated row a dotted quad after another value
            // (`SKU-88121,2,19.99,2.14.3.1`) is more often a version.
            let after_value = self.before(start) == Some(b',')
                && start > 0
                && self.before(start - 1).is_some_and(is_word);
            if matches!(right, Right::Open | Right::Port)
                && !after_value
                && groups.iter().all(octet)
                && !context::version_label(self.context(start))
            {
                self.push(DetectedKind::IpAddress, start, end, "ipv4");
            }
            return;
        }
        if right != Right::Open && !phone_only {
            return;
        }
        let cand = Cand {
            groups,
            base,
            start,
            end,
            plus,
            open_paren,
            whole: a == 0 && b == t.len,
        };
        if phone_only {
            // A date glued to a word (`2025-03-14-nightly`) is no phone.
            if plus || numeric_date(&self.hay[base..], groups).is_none() {
                self.phone(&cand, count);
            }
            return;
        }
        // The digits without separators, built only for the checks that
        // read them (most candidates are settled by their shape).
        let digits = || self.digit_buf(base, groups);

        // Payment cards: 12–19 digits, one consistent separator, the usual
        // groupings, issuer prefix and Luhn.
        if !plus
            && !open_paren
            && (12..=19).contains(&count)
            && (groups.len() == 1 || seps_all(Sep::Space) || seps_all(Sep::Dash))
            && card_grouping(groups)
        {
            // A single group is its own digit string: no copy.
            let valid = match groups {
                [g] => validate::card_number_valid(&self.hay[span(g)]),
                _ => validate::card_number_valid(&digits()[..count]),
            };
            if valid && !self.patterns.reference_label(self.context(start)) {
                self.push(DetectedKind::CreditCard, start, end, "luhn+iin");
            }
            return;
        }

        // Social security numbers: 3-2-4 with dashes stands on its own; with
        // spaces or no separators it needs a label.
        if count == 9 && !plus && !open_paren && validate::ssn_valid(&digits()[..count]) {
            let dashed = lens(&[3, 2, 4]) && seps_all(Sep::Dash);
            let loose = (lens(&[3, 2, 4]) && seps_all(Sep::Space)) || groups.len() == 1;
            if dashed {
                self.push(DetectedKind::Ssn, start, end, "ssa-rules");
                return;
            }
            if loose && self.patterns.ssn_label(self.context(start)) {
                self.push(DetectedKind::Ssn, start, end, "ssa-rules+label");
                return;
            }
        }

        // Dates: a date of birth when labelled; never a phone number.
        if !plus && !open_paren {
            if let Some(year) = numeric_date(&self.hay[base..], groups) {
                if year.is_some_and(|y| self.birth_date(start, end, y)) {
                    self.push(DetectedKind::Dob, start, end, "calendar+label");
                }
                return;
            }
        }

        // A year on its own may end a written-out date.
        if groups.len() == 1 && count == 4 && !plus && !open_paren {
            self.text_date(start, end);
            return;
        }

        self.phone(&cand, count);
    }

    /// The digits of `groups` without separators, for a candidate of at
    /// most 20 digits (the callers check the count; more are dropped). A
    /// byte loop: groups are short, and a copy per group would call
    /// `memcpy`.
    fn digit_buf(&self, base: usize, groups: &[Group]) -> [u8; 20] {
        let mut buf = [0u8; 20];
        let mut n = 0;
        for g in groups {
            for &b in &self.hay[base + usize::from(g.start)..base + usize::from(g.end)] {
                if let Some(slot) = buf.get_mut(n) {
                    *slot = b;
                }
                n += 1;
            }
        }
        buf
    }

    fn phone(&mut self, cand: &Cand<'_>, count: usize) {
        let Cand {
            groups,
            base,
            start,
            end,
            plus,
            open_paren,
            whole,
        } = *cand;
        if plus {
            // Leave out a national trunk prefix written as `(0)`.
            let mut national = [0u8; 20];
            let mut n = 0;
            for (k, g) in groups.iter().enumerate() {
                let trunk = k > 0
                    && g.sep == Sep::Paren
                    && groups.get(k + 1).is_some_and(|h| h.sep == Sep::Paren)
                    && g.len() == 1
                    && self.hay[base + usize::from(g.start)] == b'0';
                if !trunk {
                    for &d in &self.hay[base + usize::from(g.start)..base + usize::from(g.end)] {
                        national[n] = d;
                        n += 1;
                    }
                }
            }
            let all = &national[..n];
            if let Some((code, code_len)) = validate::calling_code(all) {
                let (lo, hi) = validate::national_length(code);
                if (8..=15).contains(&n) && (lo..=hi).contains(&(n - code_len)) {
                    self.push_phone(start, end, "e164");
                }
            }
            return;
        }
        let first_digit = |g: &Group| self.hay[base + usize::from(g.start)];
        // North American layout: (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX;
        // area code and exchange do not start with 0 or 1.
        let nanp = groups.len() == 3
            && groups[0].len() == 3
            && groups[1].len() == 3
            && groups[2].len() == 4
            && ((open_paren && groups[1].sep == Sep::Paren && groups[2].sep != Sep::Paren)
                || (!open_paren
                    && (groups[1].sep == Sep::Dash || groups[1].sep == Sep::Dot)
                    && groups[2].sep == groups[1].sep))
            && first_digit(&groups[0]) >= b'2'
            && first_digit(&groups[1]) >= b'2';
        if nanp && !self.patterns.reference_label(self.context(start)) {
            self.push_phone(start, end, "nanp");
            return;
        }
        // `00` is the international prefix in most of the world: `0044 20
        // 7946 0958` is `+44 20 7946 0958`, when labelled.
        let digits =
            (count <= 17 && first_digit(&groups[0]) == b'0').then(|| self.digit_buf(base, groups));
        if let Some(digits) = digits.as_ref().filter(|d| d.starts_with(b"00")) {
            if let Some((code, code_len)) = validate::calling_code(&digits[2..count]) {
                let (lo, hi) = validate::national_length(code);
                if (lo..=hi).contains(&(count - 2 - code_len))
                    && self.patterns.phone_label(self.context(start))
                {
                    self.push_phone(start, end, "e164+label");
                    return;
                }
            }
        }
        let labelled = (7..=13).contains(&count)
            && (self.patterns.phone_label(self.context(start)) || self.phone_label_after(end));
        if labelled {
            self.push_phone(start, end, "national+label");
        } else if whole
            && national_shape(groups, open_paren, count)
            && !self.after_code_group(start)
            && !self.patterns.reference_label(self.context(start))
            && crate::pii::valid_national(&self.digit_buf(base, groups)[..count])
        {
            self.push_phone(start, end, "national+plan");
        }
    }

    /// Whether the token at `start` follows a group of capitals and digits
    /// and a space: the rest of a code (`NL39 IOEW 6290 4478 72`, an IBAN
    /// that failed its check), not a number of its own.
    fn after_code_group(&self, start: usize) -> bool {
        let hay = self.hay;
        if start < 3 || hay[start - 1] != b' ' {
            return false;
        }
        let word = hay[..start - 1]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            .count();
        word >= 2
            && hay[start - 1 - word..start - 1]
                .iter()
                .any(u8::is_ascii_uppercase)
            && (start - 1 - word == 0 || !is_word(hay[start - 2 - word]))
    }

    /// Pushes a phone number ending at `end`, with its extension if one
    /// follows (`x2201`, ` ext. 42`).
    fn push_phone(&mut self, start: usize, end: usize, validator: &'static str) {
        let end = end + extension_len(&self.hay[end..]);
        self.push(DetectedKind::Phone, start, end, validator);
    }

    /// Whether what is glued to a token at `end` may follow a phone
    /// number: an extension (`x2201`) or a dash and a word (`-Fax`,
    /// `-Office`) that ends there.
    fn phone_tail(&self, end: usize) -> bool {
        let hay = self.hay;
        if extension_len(&hay[end..]) > 0 {
            return true;
        }
        if hay.get(end) != Some(&b'-') {
            return false;
        }
        let word = &hay[end + 1..];
        let letters = word.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        // Three letters or more, not all hex digits: `-BA` may be the end
        // of a MAC address (`34-28-73-91-32-BA`).
        letters >= 3
            && !word[..letters].iter().all(u8::is_ascii_hexdigit)
            && hay
                .get(end + 1 + letters)
                .is_none_or(|&b| !is_word(b) && b != b'-')
    }

    /// How the token ends at `end`.
    fn right_boundary(&self, end: usize) -> Right {
        let hay = self.hay;
        match hay.get(end) {
            None => Right::Open,
            Some(&b) if is_word(b) || b == b'@' => Right::Glued,
            Some(b':') if hay.get(end + 1).is_some_and(u8::is_ascii_digit) => {
                // `10.0.0.1:8080` is an address with a port; `09:25` a time.
                Right::Port
            }
            Some(b'.' | b'-' | b'/' | b':') if hay.get(end + 1).is_some_and(|&c| is_word(c)) => {
                Right::Glued
            }
            Some(b'+') if hay.get(end + 1).is_some_and(u8::is_ascii_digit) => Right::Glued,
            Some(_) => Right::Open,
        }
    }

    /// Whether a phrase after `end` says to call the number.
    fn phone_label_after(&self, end: usize) -> bool {
        let rest = &self.hay[end..];
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        context::PHONE_AFTER
            .iter()
            .any(|p| rest.starts_with(p.as_bytes()))
    }

    /// Whether the valid date at `start..end` in `year` is a date of birth:
    /// a possible year of birth, and a label right before it, "born" after
    /// it, or a label in an earlier clause or sentence.
    fn birth_date(&self, start: usize, end: usize, year: u32) -> bool {
        if !self.patterns.birth_year(year) {
            return false;
        }
        if self.patterns.dob_label(self.context(start)) || self.born_after(end) {
            return true;
        }
        let lo = start.saturating_sub(context::FAR_WINDOW);
        let found_after = |label_end: usize| {
            self.out
                .last()
                .is_some_and(|r| r.kind == DetectedKind::Dob && r.start >= lo + label_end)
        };
        self.patterns
            .dob_label_far(&self.hay[lo..start], found_after)
    }

    /// Whether a German or Dutch "born" follows the date (`Ich bin am
    /// 01.03.1994 geboren`).
    fn born_after(&self, end: usize) -> bool {
        let rest = &self.hay[end..self.hay.len().min(end + 12)];
        let trimmed = rest
            .iter()
            .position(|&b| b != b' ')
            .map_or(&[][..], |p| &rest[p..]);
        trimmed.len() >= 7 && trimmed[..7].eq_ignore_ascii_case(b"geboren")
    }

    /// A written-out date of birth that ends with the year at `start..end`:
    /// `12. Juli 1965`, `August 2, 1994`, `2 de febrero de 1992`, or starts
    /// with it: `1990年4月23日`.
    fn text_date(&mut self, start: usize, end: usize) {
        let hay = self.hay;
        let year = digits_value(&hay[start..end]);
        if !(1880..=2099).contains(&year) {
            return;
        }
        // East Asian order: 1990年4月23日.
        if let Some(rest) = hay[end..].strip_prefix("年".as_bytes()) {
            if let Some((month, day, used)) = kanji_month_day(rest) {
                let date_end = end + 3 + used;
                if validate::date_valid(year, month, day) && self.birth_date(start, date_end, year)
                {
                    self.push(DetectedKind::Dob, start, date_end, "calendar+label");
                }
            }
            return;
        }
        if !matches!(self.before(start), Some(b' ' | b',')) {
            return;
        }
        let lo = start.saturating_sub(48);
        let window = &hay[lo..start];
        if !context::may_end_with_text_date(window) {
            return;
        }
        let Some(date) = context::text_date_before(window) else {
            return;
        };
        let date_start = lo + date.start;
        if validate::date_valid(year, date.month, date.day)
            && self.birth_date(date_start, end, year)
        {
            self.push(DetectedKind::Dob, date_start, end, "calendar+label");
        }
    }

    // ----- IBAN ------------------------------------------------------------

    /// An IBAN starting at `start` (its country code), compact or in groups
    /// of four; returns its end.
    fn iban(&mut self, start: usize) -> Option<usize> {
        let hay = self.hay;
        let lower = hay[start].is_ascii_lowercase();
        let country = [hay[start], hay[start + 1]].map(|b| b.to_ascii_uppercase());
        let want = validate::iban_length(country)?;
        let mut compact = [0u8; 34];
        let mut n = 0;
        let mut j = start;
        // Letters in the case of the country code only: `de89…` and
        // `nl91abna…` are IBANs, `Nl91ABNA…` is not.
        let letter = |b: u8| {
            if lower {
                b.is_ascii_lowercase()
            } else {
                b.is_ascii_uppercase()
            }
        };
        while n < want {
            match hay.get(j) {
                Some(&b) if b.is_ascii_digit() || letter(b) => {
                    compact[n] = b.to_ascii_uppercase();
                    n += 1;
                    j += 1;
                }
                // Groups of four, separated by one space.
                Some(b' ') if n % 4 == 0 && n > 0 && j > start && hay[j - 1] != b' ' => j += 1,
                _ => return None,
            }
        }
        if hay.get(j).is_some_and(|&b| is_word(b)) || !compact[2].is_ascii_digit() {
            return None;
        }
        if validate::iban_valid(&compact[..n]) {
            self.push(DetectedKind::Iban, start, j, "mod97");
            Some(j)
        } else {
            None
        }
    }
}

/// A run of groups being classified.
#[derive(Clone, Copy)]
struct Cand<'g> {
    groups: &'g [Group],
    /// Position of the token's first digit (group offsets count from it).
    base: usize,
    start: usize,
    end: usize,
    plus: bool,
    open_paren: bool,
    /// The candidate is its whole token, not a part split off at a space.
    whole: bool,
}

/// How a candidate ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Right {
    /// At the end of the text or before a neutral byte.
    Open,
    /// Before `:` and a digit (a port, or the rest of a clock time).
    Port,
    /// Glued to a word: part of an identifier.
    Glued,
}

/// Length of `YYYY-MM-DDThh:mm:ss`.
const ISO_DATE_TIME: usize = 19;

/// Whether `text` starts with `YYYY-MM-DDThh:mm:ss` (digits, not checked
/// as a calendar date: no reading of the shape finds anything in it).
/// Three words: `YYYY-MM-`, `DDThh:mm` and `hh:mm:ss`, each with its
/// separators compared whole and its digits tested by [`non_digit_bits`]
/// (exact at every digit position once the separators match, since only a
/// byte above `0x89` could carry into the next).
fn iso_date_time(text: &[u8]) -> bool {
    const fn byte(b: u8, at: u32) -> u64 {
        (b as u64) << (8 * at)
    }
    const DATE_SEP: u64 = byte(0xff, 4) | byte(0xff, 7);
    const DATE_WANT: u64 = byte(b'-', 4) | byte(b'-', 7);
    const MID_SEP: u64 = byte(0xff, 2) | byte(0xff, 5);
    const MID_WANT: u64 = byte(b'T', 2) | byte(b':', 5);
    const CLOCK_WANT: u64 = byte(b':', 2) | byte(b':', 5);
    let shaped = |word: u64, sep: u64, want: u64| {
        word & sep == want && non_digit_bits(word) & !(sep & HI) == 0
    };
    text.len() >= ISO_DATE_TIME
        && shaped(load(&text[..8]), DATE_SEP, DATE_WANT)
        && shaped(load(&text[8..16]), MID_SEP, MID_WANT)
        && shaped(load(&text[11..19]), MID_SEP, CLOCK_WANT)
}

/// Two ASCII letters of the same case: the country code of an IBAN.
fn same_case_letters(a: u8, b: u8) -> bool {
    (a.is_ascii_uppercase() && b.is_ascii_uppercase())
        || (a.is_ascii_lowercase() && b.is_ascii_lowercase())
}

/// The length of the escaped `@` that `text` starts with, or 0: URL
/// encoding `%40`, JSON `\u0040`, HTML `&#64;`, `&#064;`, `&#x40;` and
/// `&commat;` (hex digits and the `x` in either case).
pub(crate) fn escaped_at_len(text: &[u8]) -> usize {
    const FORMS: [&[u8]; 6] = [
        b"%40",
        b"\\u0040",
        b"&#64;",
        b"&#064;",
        b"&#x40;",
        b"&commat;",
    ];
    FORMS
        .iter()
        .find(|form| {
            text.get(..form.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(form))
        })
        .map_or(0, |form| form.len())
}

/// Where the `@` of an email finding is, plain or escaped: the last one,
/// as a range (one byte for a plain `@`).
pub(crate) fn at_sign(email: &[u8]) -> Option<core::ops::Range<usize>> {
    (0..email.len()).rev().find_map(|i| {
        let len = if email[i] == b'@' {
            1
        } else {
            escaped_at_len(&email[i..])
        };
        (len > 0).then(|| i..i + len)
    })
}

/// Whether some kind can have `count` digits in these groups; the checks
/// below rely on it. No kind has fewer than 4 or more than 20 digits. Only
/// phone numbers start with `+` (8 digits or more with the country code)
/// or `(` (7 or more). Below 6 digits (the shortest date, `1.2.1990`) only
/// a dotted quad or a lone year is left.
fn plausible_shape(groups: &[Group], count: usize, plus: bool, open_paren: bool) -> bool {
    if !(4..=20).contains(&count) {
        false
    } else if plus {
        count >= 8
    } else if open_paren {
        count >= 7
    } else {
        count >= 6
            || (groups.len() == 1 && count == 4)
            || (groups.len() == 4 && groups[1..].iter().all(|g| g.sep == Sep::Dot))
    }
}

/// Whether a national number with no label may be a phone number by its
/// grouping alone, before its digits are read against the numbering plans
/// ([`crate::pii::valid_national`]): 8 to 12 digits in groups of 2
/// to 4 with one kind of separator (a first group of 5 and an area code in
/// parentheses allowed: `07700 900 123`, `(41) 3555-0199`), or two groups
/// after a trunk `0` (`030 901820`, `06 12345678`). Order numbers
/// (`112-4471903-2290715`), ISBNs, thousands (`1 234 567`) and dates do
/// not have this shape.
fn national_shape(groups: &[Group], open_paren: bool, count: usize) -> bool {
    if !(8..=12).contains(&count) || groups.len() < 2 {
        return false;
    }
    let rest = if open_paren && groups[1].sep == Sep::Paren {
        &groups[2..]
    } else {
        &groups[1..]
    };
    let sep = rest.first().map_or(Sep::Space, |g| g.sep);
    if !matches!(sep, Sep::Space | Sep::Dash | Sep::Dot) || rest.iter().any(|g| g.sep != sep) {
        return false;
    }
    // The SSN layout (3-2-4) and dotted triples (`100.100.10.•`, the mask
    // of an IPv4 address) are not read as phone numbers.
    let ssn_layout = matches!(groups, [a, b, c] if a.len() == 3 && b.len() == 2 && c.len() == 4);
    if ssn_layout || (sep == Sep::Dot && groups.len() < 4) {
        return false;
    }
    let first = groups[0].len();
    match groups {
        [_, second] if !open_paren => (2..=5).contains(&first) && (6..=8).contains(&second.len()),
        _ => (2..=5).contains(&first) && groups[1..].iter().all(|g| (2..=4).contains(&g.len())),
    }
}

/// The length of the phone extension that `text` starts with, or 0: an
/// optional space, `x`, `ext`, `ext.` or `extension` (any case), an
/// optional space, and 1 to 6 digits that end there.
fn extension_len(text: &[u8]) -> usize {
    let lead = usize::from(text.first() == Some(&b' '));
    let rest = &text[lead..];
    let marker = ["extension", "ext.", "ext", "x"]
        .into_iter()
        .find(|m| {
            rest.get(..m.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(m.as_bytes()))
        })
        .map_or(0, str::len);
    if marker == 0 || (lead == 0 && marker > 1) {
        return 0;
    }
    let gap = usize::from(rest.get(marker) == Some(&b' '));
    let digits = rest[marker + gap..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let ends = rest.get(marker + gap + digits).is_none_or(|&b| !is_word(b));
    if (1..=6).contains(&digits) && ends {
        lead + marker + gap + digits
    } else {
        0
    }
}

/// Whether the group lengths are a card layout: fours with a shorter last
/// group (`4-4-4-4`, `4-4-4-4-3`), or the 4-6-5 and 4-6-4 layouts of
/// American Express and Diners Club.
fn card_grouping(groups: &[Group]) -> bool {
    match groups {
        [_] => true,
        [a, b, c] if a.len() == 4 && b.len() == 6 && (c.len() == 5 || c.len() == 4) => true,
        [init @ .., last] => init.iter().all(|g| g.len() == 4) && (1..=4).contains(&last.len()),
        [] => false,
    }
}

/// If the groups have a date layout, its year when the date is real:
/// `YYYY-MM-DD` (also with `/` or `.`), `DD.MM.YYYY`, `MM/DD/YYYY` or
/// `DD/MM/YYYY` (either reading), `DD-MM-YYYY`, and `YYYYMMDD`.
///
/// Which reading of `3/4/1988` is meant does not matter here: a date is
/// found when either reading is a real date. The redactor's normal form
/// (for pseudonyms) reads dots day first, and slashes and dashes month
/// first (US order) unless only the day-first reading is a real date.
fn numeric_date(hay: &[u8], groups: &[Group]) -> Option<Option<u32>> {
    let value = |g: &Group| digits_value(&hay[usize::from(g.start)..usize::from(g.end)]);
    match groups {
        [g] if g.len() == 8 => {
            let v = value(g);
            let (y, m, d) = (v / 10_000, v / 100 % 100, v % 100);
            // Only a plausible year makes eight digits a date at all.
            (1880..=2099)
                .contains(&y)
                .then(|| validate::date_valid(y, m, d).then_some(y))
        }
        [a, b, c] if b.sep == c.sep && matches!(b.sep, Sep::Dash | Sep::Slash | Sep::Dot) => {
            let short = |g: &Group| (1..=2).contains(&g.len());
            if a.len() == 4 && short(b) && short(c) {
                let year = value(a);
                Some(validate::date_valid(year, value(b), value(c)).then_some(year))
            } else if short(a) && short(b) && c.len() == 4 {
                let (x, y, year) = (value(a), value(b), value(c));
                let real = match b.sep {
                    Sep::Dot => validate::date_valid(year, y, x),
                    _ => validate::date_valid(year, x, y) || validate::date_valid(year, y, x),
                };
                Some(real.then_some(year))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Parses `4月23日` (after `年`) into month, day and the bytes used.
fn kanji_month_day(rest: &[u8]) -> Option<(u32, u32, usize)> {
    let month_len = rest
        .iter()
        .take(2)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let after_month = rest.get(month_len..)?.strip_prefix("月".as_bytes())?;
    let day_len = after_month
        .iter()
        .take(2)
        .take_while(|b| b.is_ascii_digit())
        .count();
    after_month.get(day_len..)?.strip_prefix("日".as_bytes())?;
    if month_len == 0 || day_len == 0 {
        return None;
    }
    let month = digits_value(&rest[..month_len]);
    let day = digits_value(&after_month[..day_len]);
    Some((month, day, month_len + 3 + day_len + 3))
}

/// Label rules of a domain name: at least two labels of 1–63 letters,
/// digits or hyphens, no label starting or ending with a hyphen, and an
/// alphabetic top-level domain of 2–24 letters.
fn domain_valid(domain: &[u8]) -> bool {
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in domain.split(|&b| b == b'.') {
        if label.is_empty() || label.len() > 63 || label.starts_with(b"-") || label.ends_with(b"-")
        {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && (2..=24).contains(&last.len()) && last.iter().all(u8::is_ascii_alphabetic)
}

/// Resolves overlapping findings in place: the longest wins, then the
/// earliest, then the first kind in [`DetectedKind::BUILT_IN`] order (custom
/// kinds last). The result is sorted by start.
pub(crate) fn resolve_overlaps(found: &mut Vec<Raw>) {
    if found.len() < 2 {
        return;
    }
    found.sort_unstable_by_key(|r| (r.start, core::cmp::Reverse(r.end)));
    let overlapping = found.windows(2).any(|w| w[1].start < w[0].end);
    if !overlapping {
        return;
    }
    let rank = |k: DetectedKind| {
        DetectedKind::BUILT_IN
            .iter()
            .position(|&b| b == k)
            .unwrap_or(DetectedKind::BUILT_IN.len())
    };
    found.sort_by(|x, y| {
        (y.end - y.start)
            .cmp(&(x.end - x.start))
            .then(x.start.cmp(&y.start))
            .then(rank(x.kind).cmp(&rank(y.kind)))
            .then(x.kind.cmp(&y.kind))
    });
    let mut kept: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    found.retain(|r| {
        let clash_before = kept
            .range(..=r.start)
            .next_back()
            .is_some_and(|(_, &e)| e > r.start);
        let clash_after = kept.range(r.start..r.end).next().is_some();
        if clash_before || clash_after {
            false
        } else {
            kept.insert(r.start, r.end);
            true
        }
    });
    found.sort_unstable_by_key(|r| r.start);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Vec<(DetectedKind, String)> {
        let patterns = Patterns::new();
        let mut out = Vec::new();
        Scanner {
            hay: text.as_bytes(),
            from: 0,
            seam: false,
            kinds: KindSet::ALL,
            patterns: &patterns,
            out: &mut out,
            keys: &FieldKeys::empty(),
            ties: &mut Ties::new(),
        }
        .run();
        resolve_overlaps(&mut out);
        out.iter()
            .map(|r| (r.kind, text[r.start..r.end].to_string()))
            .collect()
    }

    fn one(text: &str, kind: DetectedKind, want: &str) {
        let got = scan(text);
        assert_eq!(got, vec![(kind, want.to_string())], "in {text:?}");
    }

    fn none(text: &str) {
        assert_eq!(scan(text), vec![], "in {text:?}");
    }

    #[test]
    fn a_year_ends_a_written_date_whatever_follows_it() {
        // A separator with no digit group after it does not join the year
        // to anything: each of these takes the lone-group path.
        for tail in ["", " ", ".", ". Thanks", " and", "-", ", ok", ")"] {
            let text = format!("date of birth: 12 March 1988{tail}");
            one(&text, DetectedKind::Dob, "12 March 1988");
        }
        // Glued to an identifier, a year ends no date.
        none("date of birth: 12 March SKU-1988");
        none("date of birth: 12 March v.1988 ");
    }

    #[test]
    fn short_groups_before_a_separator_are_nothing() {
        for text in [
            "last4=3924 masked",
            "Ticket #138219 | open",
            "ref 4471903. done",
            "qty 3924-",
            "(code 138219) ok",
        ] {
            none(text);
        }
    }

    #[test]
    fn iso_date_times_are_recognised_by_shape() {
        assert!(iso_date_time(b"2025-07-17T09:25:11.123Z"));
        assert!(iso_date_time(b"1990-02-14T00:00:00"));
        for text in [
            &b"2025-07-17 09:25:11"[..],
            b"2025-07-17T09:25:1",
            b"2025-07-17T09:25-11",
            b"2025-07-17T0a:25:11",
            b"2025/07/17T09:25:11",
            b"20x5-07-17T09:25:11",
            b"2025-07-17t09:25:11",
            b"2025-07-1\xff09:25:11",
        ] {
            assert!(!iso_date_time(text), "{}", String::from_utf8_lossy(text));
        }
        // Every single byte changed at every position is noticed.
        let good = *b"2025-07-17T09:25:11";
        for at in 0..good.len() {
            for b in 0..=255u8 {
                let mut text = good;
                text[at] = b;
                let digit_slot = good[at].is_ascii_digit();
                let same_class = if digit_slot {
                    b.is_ascii_digit()
                } else {
                    b == good[at]
                };
                assert_eq!(iso_date_time(&text), same_class, "{at} {b:#x}");
            }
        }
    }

    #[test]
    fn emails() {
        use DetectedKind::Email;
        one(
            "buyer_email=timothee71.dev39@bouvier.com x",
            Email,
            "timothee71.dev39@bouvier.com",
        );
        one("(mailto:edward@example.com).", Email, "edward@example.com");
        one("邮箱是shaotao@gmail.com。", Email, "shaotao@gmail.com");
        none("masked_email=m***@tiscali.it");
        none("a•••@example.com");
        none("@@@@@@");
        none("user@localhost");
    }

    #[test]
    fn cards() {
        use DetectedKind::CreditCard;
        one(
            "card 4242 4242 4242 4242.",
            CreditCard,
            "4242 4242 4242 4242",
        );
        one(
            "cc=5105-1051-0510-5100 x",
            CreditCard,
            "5105-1051-0510-5100",
        );
        one("amex 3782 822463 10005", CreditCard, "3782 822463 10005");
        one(
            "我用卡3581146183552340付款了",
            CreditCard,
            "3581146183552340",
        );
        none("order_id=4242424242424241");
        none("card **** **** **** 4242");
        none("4242 4242-4242 4242");
        none("tracking=9400333983080166492979");
    }

    #[test]
    fn ibans() {
        use DetectedKind::Iban;
        one(
            "IBAN DE89 3704 0044 0532 0130 00.",
            Iban,
            "DE89 3704 0044 0532 0130 00",
        );
        one(
            "iban=GB82WEST12345698765432 x",
            Iban,
            "GB82WEST12345698765432",
        );
        none("iban=GB82WEST12345698765433");
        none("iban_input=\"PT82 5464 1220 5847 9239 2846 4\"");
        none("XDE89370400440532013000");
    }

    #[test]
    fn ips() {
        use DetectedKind::IpAddress;
        one("src_ip=51.60.34.144 x", IpAddress, "51.60.34.144");
        one("peer 10.0.0.1:8080", IpAddress, "10.0.0.1");
        one(
            "from 2001:db8::1783:40b2:fac6 was",
            IpAddress,
            "2001:db8::1783:40b2:fac6",
        );
        one("xff=\"224c::\" rt", IpAddress, "224c::");
        one("fe80::1%", IpAddress, "fe80::1");
        none("build=5.39.159 mac=1C:FD:50:2C:85:FC at 10:14:22");
        none("Chrome/25.0.81.0");
        none("std::io::Read and ::");
        none("version 1.2.3.4");
    }

    #[test]
    fn ssns() {
        use DetectedKind::Ssn;
        one("ssn=160-50-3986", Ssn, "160-50-3986");
        one("ssn_full: 363383957 x", Ssn, "363383957");
        one("Social security number: 574 24 2488!", Ssn, "574 24 2488");
        none("ssn=666-50-3986");
        none("ref 363383957");
    }

    #[test]
    fn phones() {
        use DetectedKind::Phone;
        one("msisdn=\"+44 161 711 0888\"", Phone, "+44 161 711 0888");
        one("tel +44 (0)7935 583865.", Phone, "+44 (0)7935 583865");
        one("Call +1 (216) 897-9365.", Phone, "+1 (216) 897-9365");
        one("Reach me at (786) 804-4118.", Phone, "(786) 804-4118");
        one(
            "Sie erreichen mich unter 0171/2614466 MfG",
            Phone,
            "0171/2614466",
        );
        one("phone_number=\"06 88 55 70 93\"", Phone, "06 88 55 70 93");
        one(
            "注文が届きません。090-6099-6360 に電話してください。",
            Phone,
            "090-6099-6360",
        );
        none("order=401-8025455-9835290 items 54118550");
        none("Order 234-567-8901 shipped");
        one("phone 0044 20 7946 0958.", Phone, "0044 20 7946 0958");
        none("2025-07-17 09:25:24,943 WARN");
        none("customer_id=C-4766421 S-9100998");
        none("+0000]");
    }

    #[test]
    fn dates_of_birth() {
        use DetectedKind::Dob;
        one("birthdate: 1992-01-16 origin", Dob, "1992-01-16");
        one("Ich bin am 01.03.1994 geboren.", Dob, "01.03.1994");
        one("Je suis né le 29 janvier 1958!", Dob, "29 janvier 1958");
        one("DOB: August 22, 1950!", Dob, "August 22, 1950");
        one("Nací el 2 de febrero de 1992.", Dob, "2 de febrero de 1992");
        one("出生日期：1990年4月23日。", Dob, "1990年4月23日");
        one("\"birthdate\":\"19701129\"", Dob, "19701129");
        none("Order date was 07/19/2025.");
        none("dob=1990-02-30");
        one(
            "birth_date: 1990-01-01 order_date=2024-05-06",
            Dob,
            "1990-01-01",
        );
    }

    #[test]
    fn escaped_emails() {
        use DetectedKind::Email;
        one("email=ada%40example.com&x=1", Email, "ada%40example.com");
        one("to ADA%40EXAMPLE.COM.", Email, "ADA%40EXAMPLE.COM");
        one(
            r#""m":"ada\u0040example.com""#,
            Email,
            r"ada\u0040example.com",
        );
        one("ada&#64;example.com", Email, "ada&#64;example.com");
        one("ada&#x40;example.com", Email, "ada&#x40;example.com");
        one("sam&commat;example.com;", Email, "sam&commat;example.com");
        none("100%40 off, &#64; alone, \\u0040 and &amp;");
        none("x=%40example.com");
    }

    #[test]
    fn lower_case_ibans() {
        use DetectedKind::Iban;
        one(
            "to de89 3704 0044 0532 0130 00.",
            Iban,
            "de89 3704 0044 0532 0130 00",
        );
        one("nl91abna0417164300;", Iban, "nl91abna0417164300");
        none("Nl91ABNA0417164300");
        none("nl91abna0417164301");
    }

    #[test]
    fn phone_extensions_and_glued_words() {
        use DetectedKind::Phone;
        one("Tel. 212-555-0143x2201 —", Phone, "212-555-0143x2201");
        one(
            "desk: +1-303-555-0188 ext. 42 if",
            Phone,
            "+1-303-555-0188 ext. 42",
        );
        one("Fax: 07700 900 123-Fax", Phone, "07700 900 123");
        // A MAC address ends in hex letters, a date in a word: neither is
        // a number with a word glued to it.
        none("device=34-28-73-91-32-BA");
        none("backup 2025-03-14-nightly");
        none("1920x1080");
    }

    #[test]
    fn unlabelled_national_numbers_by_plan() {
        use DetectedKind::Phone;
        one("messages to 612 345 678 are best", Phone, "612 345 678");
        one("or 06 12 34 56 78 tonight", Phone, "06 12 34 56 78");
        one("Festnetz 030 901820", Phone, "030 901820");
        // Not phone-shaped, or not in any plan, or labelled as a reference.
        none("ISBN 978-3-16-148410-0 batch 1 234 567");
        none("order 612 345 678");
        none("ssn=666-50-3986");
        none("iban_input=\"NL39 IOEW 6290 4478 72\"");
        none("100.100.10.•");
        none("order=112-4471903-2290715");
    }

    #[test]
    fn dates_of_birth_labelled_in_an_earlier_sentence() {
        use DetectedKind::Dob;
        one(
            "I need to confirm my date of birth. It's 3/14/1988",
            Dob,
            "3/14/1988",
        );
        one(
            "ma date de naissance est fausse sur le compte, c'est le 2 mai 1985",
            Dob,
            "2 mai 1985",
        );
        // A date too recent to be a customer's birth date, a label in
        // another field, and a second date after a birth date.
        none("Your date of birth was updated on 2025-03-14.");
        none("birth_country=DE signup=2009-03-01");
        one("born 1960-01-01, married 1985-06-01", Dob, "1960-01-01");
    }

    #[test]
    fn comma_separated_fields() {
        assert_eq!(
            scan("P-1,6011 0009 9013 9424,09/27,401-33-8217"),
            [
                (DetectedKind::CreditCard, "6011 0009 9013 9424".to_string()),
                (DetectedKind::Ssn, "401-33-8217".to_string())
            ]
        );
        assert_eq!(
            scan("2025,+44 20 7946 0958,129.90").len(),
            1,
            "a phone before a comma"
        );
        none("SKU-88121,2,19.99,2.14.3.1");
    }

    #[test]
    fn look_alikes_settled_by_shape() {
        // Too few digits for their shape: a `+` offset, an amount, a build.
        none("[17/Jun/2025:10:05:42 +0000] amount=755.46 build=3.34.34");
        // Timestamps glued to their time, and the time itself.
        none("2025-07-17T09:25:24.943Z INFO eta=2025-07-19");
        // What follows a glued token is still seen.
        one(
            "2025-07-17T09:25:24Z ip=192.0.2.7",
            DetectedKind::IpAddress,
            "192.0.2.7",
        );
        one(
            "at 2025-07-17T09 ssn=123-45-6789",
            DetectedKind::Ssn,
            "123-45-6789",
        );
        // The short shapes that are PII: a dotted quad, a year, `+` with
        // eight digits or more.
        one("ip 1.2.3.4 x", DetectedKind::IpAddress, "1.2.3.4");
        one(
            "DOB: August 22, 1950!",
            DetectedKind::Dob,
            "August 22, 1950",
        );
        one("tel +49 1712 3456", DetectedKind::Phone, "+49 1712 3456");
        // A lone run checked as a card straight from the text.
        one(
            "paid with 4242424242424242.",
            DetectedKind::CreditCard,
            "4242424242424242",
        );
        none("paid with 4242424242424241.");
    }

    #[test]
    fn anchor_bits_match_the_table() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut word = [b'x'; 8];
                word[pos] = b;
                let bits = anchor_bits(u64::from_le_bytes(word));
                let want = if ANCHOR[usize::from(b)] {
                    0x80u64 << (8 * pos)
                } else {
                    0
                };
                assert_eq!(bits, want, "byte {b:#x} at {pos}");
            }
        }
        // The lowest set bit is the first anchor whatever the other bytes
        // are (pairs of arbitrary bytes at every two positions).
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for (pa, pb) in [(0, 1), (2, 5), (6, 7), (7, 0), (3, 3)] {
                    let mut word = [0xffu8; 8];
                    word[pa] = a;
                    word[pb] = b;
                    let first = word.iter().position(|&c| ANCHOR[usize::from(c)]);
                    let bits = anchor_bits(u64::from_le_bytes(word));
                    let got = (bits != 0).then(|| (bits.trailing_zeros() / 8) as usize);
                    assert_eq!(got, first, "{word:?}");
                }
            }
        }
        let text = b"abcdefghijklmnop@qrstuvwxyz";
        assert_eq!(next_anchor(text, 0), 16);
        assert_eq!(next_anchor(b"abc", 0), 3);
        assert_eq!(next_anchor(b"abcdefghij:", 0), 10);
        let long = [b"x".repeat(100), b"7".to_vec(), b"y".repeat(50)].concat();
        for start in 0..=100 {
            assert_eq!(next_anchor(&long, start), 100);
            assert_eq!(next_anchor_far(&long, start), 100);
        }
        assert_eq!(next_anchor(&long, 101), 151);
        assert_eq!(next_anchor_far(&long, 101), 151);
    }

    #[test]
    fn digit_end_finds_the_first_non_digit() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for (pa, pb) in [(0, 1), (2, 5), (6, 7), (7, 0), (4, 4)] {
                    let mut text = *b"0123456789";
                    text[pa] = a;
                    text[pb] = b;
                    for start in [0, 1, 2] {
                        let want = start
                            + text[start..]
                                .iter()
                                .take_while(|c| c.is_ascii_digit())
                                .count();
                        assert_eq!(digit_end(&text, start), want, "{text:?} from {start}");
                    }
                }
            }
        }
    }

    #[test]
    fn word_bits_match_is_word() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut word = [b'a'; 8];
                word[pos] = b;
                let bits = word_bits(u64::from_le_bytes(word));
                let want_here = if is_word(b) { 0x80u64 << (8 * pos) } else { 0 };
                assert_eq!(
                    bits & (0xffu64 << (8 * pos)),
                    want_here,
                    "byte {b:#x} at {pos}"
                );
            }
        }
        assert_eq!(word_end(b"abc_DEF123xyz-rest", 0), 13);
        assert_eq!(word_end(b"abcdefghijklmnopq", 3), 17);
        assert_eq!(word_end("abcdefgé".as_bytes(), 0), 7);
    }

    #[test]
    fn overlaps_keep_longest() {
        let mut v = vec![
            Raw {
                kind: DetectedKind::Phone,
                start: 0,
                end: 5,
                validator: "a",
            },
            Raw {
                kind: DetectedKind::Email,
                start: 2,
                end: 10,
                validator: "b",
            },
            Raw {
                kind: DetectedKind::Ssn,
                start: 10,
                end: 12,
                validator: "c",
            },
        ];
        resolve_overlaps(&mut v);
        assert_eq!(
            v.iter().map(|r| r.validator).collect::<Vec<_>>(),
            ["b", "c"]
        );
    }

    #[test]
    fn hostile_inputs_are_linear_and_quiet() {
        none(&"9".repeat(100_000));
        none(&"@".repeat(100_000));
        none(&"1 ".repeat(50_000));
        none(&":".repeat(100_000));
        none(&"a".repeat(70_000));
        let _ = scan(&"a@".repeat(50_000));
        let _ = scan(&"\0\u{1}9\0".repeat(10_000));
    }
}
