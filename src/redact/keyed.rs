//! Key-aware detection: the values of fields whose key names personal data.
//!
//! Names and street addresses have no shape a scanner could find, but in
//! logs they mostly sit in fields that say what they are:
//! `"firstName":"Ada"`, `recipient_name="Kofi Mensah"`, `street: 221B Baker
//! Street`. For JSON members (`"key": "value"`, also Ruby's `"key"=>"value"`)
//! and `key=value` / `key: value` text, a field whose key is in the
//! [`FieldKeys`] set has its value found whole, as the kind the key names.
//!
//! # Keys
//!
//! A key is compared in a normal form: ASCII letters in lower case, `_`,
//! `-` and spaces dropped, and only the last segment of a dotted path kept,
//! so `first_name`, `firstName`, `First-Name` and `customer.first_name` are
//! all `firstname`. Keys are matched whole: `masked_email` is not `email`,
//! `username` and `service_name` are not `name`.
//!
//! A last segment `name` keeps the segment before it when that one names
//! a thing rather than a person (the resource attributes of OpenTelemetry
//! and Elastic Common Schema logs, catalog entries: [`THING_OWNERS`]), so
//! `service.name`, `k8s.pod.name` and `product.name` are `servicename`,
//! `podname` and `productname`, none of them a default key, while
//! `customer.name`, `agent.name` and any other owner stay `name`: an
//! unknown owner may be a person. An owner in the plural counts as its
//! singular (`products.name`). In JSON the owner of a `"name"` member is
//! the key of the object that holds it, or of the array that holds that
//! object: `{"service":{"name":…}}` and `{"line_items":[{"name":…}]}` are
//! `servicename` and `lineitemname`, while `{"customer":{"name":…}}`, a
//! top-level `"name"` and one whose object (or array) opens more than
//! 1 KiB before it stay `name`: the search for the owner is bounded, so
//! that no line costs more than a fixed number of steps per byte, and what
//! it cannot see fails closed.
//!
//! # Values
//!
//! - JSON strings: the text between the quotes, escapes included (the
//!   replacement goes between the same quotes, so the line stays valid
//!   JSON). Numbers, `null`, objects and arrays are not values here (the
//!   keys inside an object are read on their own).
//! - Quoted text values (`key="…"`, `key='…'`): the text between the
//!   quotes.
//! - Bare values after `=` (logfmt, query strings): up to the next space,
//!   `&`, `,`, `;` or closing bracket.
//! - Bare values after `: ` (headers, YAML, prose forms): up to the end of
//!   the line, a ` | `, `;` or tab, or the next `key:` / `key=`; a name
//!   also ends at a comma.
//!
//! A value longer than 256 bytes is left to the other detectors.
//! For keys of kinds the scanner knows (email, phone, date of birth), the
//! scanner's own findings inside the value win (their spans are exact); the
//! whole value is taken only when the scanner found nothing in it and it
//! has letters (a free-form value the scanner cannot parse: `0800
//! FLOWERS`); values of digits it rejected stay (`dob=1990-02-30`). Values
//! already masked (`*`, `•`, `xxx`), empty or `null` stay too.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::finding::{DetectedKind, KindSet};
use super::scan::Raw;
use crate::swar;

/// Longest value taken whole, in bytes.
pub(crate) const MAX_VALUE: usize = 256;

/// Longest key looked up, in bytes (after the last `.`).
pub(crate) const MAX_KEY: usize = 40;

/// The default keys and the kinds they name (in normal form).
const DEFAULT_KEYS: &[(&str, DetectedKind)] = {
    use DetectedKind::{Address, Dob, Email, Person, Phone};
    &[
        ("name", Person),
        ("fullname", Person),
        ("firstname", Person),
        ("lastname", Person),
        ("middlename", Person),
        ("givenname", Person),
        ("familyname", Person),
        ("surname", Person),
        ("customername", Person),
        ("recipient", Person),
        ("recipientname", Person),
        ("billingname", Person),
        ("shippingname", Person),
        ("buyername", Person),
        ("contactname", Person),
        ("legalname", Person),
        ("cardholder", Person),
        ("cardholdername", Person),
        ("accountholder", Person),
        ("holder", Person),
        ("holdername", Person),
        ("vorname", Person),
        ("nachname", Person),
        ("kontoinhaber", Person),
        ("nombre", Person),
        ("apellidos", Person),
        ("prenom", Person),
        ("address", Address),
        ("street", Address),
        ("streetaddress", Address),
        ("address1", Address),
        ("address2", Address),
        ("addressline", Address),
        ("addressline1", Address),
        ("addressline2", Address),
        ("addressline3", Address),
        ("line1", Address),
        ("line2", Address),
        ("shippingaddress", Address),
        ("billingaddress", Address),
        ("deliveryaddress", Address),
        ("homeaddress", Address),
        ("postaladdress", Address),
        ("registeredaddress", Address),
        ("shipto", Address),
        ("strasse", Address),
        ("straße", Address),
        ("adresse", Address),
        ("direccion", Address),
        ("email", Email),
        ("emailaddress", Email),
        ("mail", Email),
        ("customeremail", Email),
        ("buyeremail", Email),
        ("contactemail", Email),
        ("useremail", Email),
        ("phone", Phone),
        ("phonenumber", Phone),
        ("telephone", Phone),
        ("tel", Phone),
        ("mobile", Phone),
        ("mobilephone", Phone),
        ("cellphone", Phone),
        ("msisdn", Phone),
        ("contactphone", Phone),
        ("customerphone", Phone),
        ("fax", Phone),
        ("dob", Dob),
        ("birthdate", Dob),
        ("dateofbirth", Dob),
        ("birthday", Dob),
    ]
};

/// The field keys whose values are personal data, each with the kind of
/// finding its value becomes (a configurable set; [`FieldKeys::default`]
/// holds names, addresses, emails, phones and dates of birth in English and
/// a few marketplace languages). Keys compare in a normal form: ASCII
/// letters in lower case, `_`, `-` and spaces dropped, and the last segment
/// of a dotted path kept (`customer.First-Name` is `firstname`), except that
/// a `.name` whose owner names a thing keeps the owner (`service.name`,
/// `host.name` and `product.name` are `servicename`, `hostname` and
/// `productname`, while `customer.name` is `name`); an owner in the plural
/// counts as its singular. In JSON the owner of a `"name"` member is the
/// key of the object that holds it, or of the array that holds that object
/// (`{"service":{"name":…}}` and `{"line_items":[{"name":…}]}` are
/// `servicename` and `lineitemname`); a top-level member, or one whose
/// object (or array) opens more than 1 KiB before it, has no owner.
///
/// ```
/// use custodian::redact::{DetectedKind, Detector, FieldKeys};
///
/// let keys = FieldKeys::default().with("consignee", DetectedKind::Person);
/// let detector = Detector::builder().field_keys(keys).build()?;
/// let found = detector.find(r#"{"consignee":"Ada Lovelace","name":"Ada"}"#);
/// assert_eq!(found.len(), 2);
/// assert_eq!(found[0].kind(), DetectedKind::Person);
/// # Ok::<(), custodian::redact::RedactError>(())
/// ```
///
/// # CSV exports
///
/// The rows of a CSV export carry no keys; its header line names the
/// columns. When the first line of an input (a text given to
/// [`Detector::find`](super::Detector::find) or a redactor, or a stream)
/// is a header in which some column is a key of the set, the values of
/// those columns are found in every later line that is a row of the same
/// shape:
///
/// - the header's delimiter is the most frequent of `,`, `;`, tab and `|`
///   outside quotes; it has at least two fields, each a column name of at
///   most 40 bytes and four words that starts with a letter or `_` (a line
///   of data, prose, JSON or logfmt is not a header);
/// - a row splits into exactly as many fields, with RFC 4180 quoting
///   (`"Kowalska, Marta"`, `""` for a quote); other lines are text, and a
///   quoted field cannot span lines; lines of 64 KiB or more are neither
///   headers nor rows;
/// - a value is found as it would be in a `header: value` field: names and
///   addresses whole, emails, phones and dates of birth by their shape with
///   the header as their label (`birth_date` labels `1979-11-07`).
///
/// An export is read line by line, also by `find`: labels do not cross
/// rows. Only the first line can be a header, so that the columns are known
/// before any row, also when several threads redact an export in blocks.
///
/// ```
/// use custodian::redact::{Redactor, Strategy};
///
/// let redactor = Redactor::builder().strategy(Strategy::Tag).build()?;
/// let export = "id;Vorname;Straße;birth_date\nK-1;Jürgen;Hauptstraße 5;1979-11-07\n";
/// assert_eq!(
///     redactor.redact(export)?.text(),
///     "id;Vorname;Straße;birth_date\nK-1;[PERSON];[ADDRESS];[DOB]\n"
/// );
/// # Ok::<(), custodian::redact::RedactError>(())
/// ```
#[derive(Clone, Debug)]
pub struct FieldKeys {
    keys: HashMap<Vec<u8>, DetectedKind, BuildHasherDefault<Fnv>>,
    /// A Bloom filter over the last bytes of the keys ([`filter_bit`]): a
    /// cheap first test for the many `key=` and `"key":` of a log line that
    /// are no candidates, before any hashing.
    filter: [u64; 64],
}

impl PartialEq for FieldKeys {
    fn eq(&self, other: &Self) -> bool {
        // The filter may keep bits of removed keys: the keys decide.
        self.keys == other.keys
    }
}

impl Eq for FieldKeys {}

/// FNV-1a: keys are a few bytes long and not chosen by an attacker who
/// could also see the table, so a simple hash beats SipHash here.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The filter bit of a key: a hash of the last four bytes of its normal
/// form (fewer for shorter keys). Log keys differ most at their ends
/// (`trace_id`, `latency_ms`, `status`), and the tail is read from the raw
/// key in a few steps, without building the normal form.
fn filter_bit(key: &[u8]) -> usize {
    let mut tail = Tail::default();
    for &b in key.iter().rev() {
        if tail.push(b) {
            break;
        }
    }
    tail.bit()
}

/// The last bytes of a key's normal form, read backwards.
#[derive(Default)]
struct Tail {
    bytes: u64,
    len: u32,
}

impl Tail {
    /// Takes the byte before those read so far; `true` when the tail is
    /// complete (four bytes, or the `.` that starts the last segment).
    #[inline]
    fn push(&mut self, b: u8) -> bool {
        match b {
            b'.' => true,
            b'_' | b'-' | b' ' => false,
            _ => {
                self.bytes = self.bytes << 8 | u64::from(b.to_ascii_lowercase());
                self.len += 1;
                self.len == 4
            }
        }
    }

    fn bit(&self) -> usize {
        // Fibonacci hashing: the top 12 bits of the product.
        ((self.bytes | u64::from(self.len) << 32).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52)
            as usize
    }
}

/// Whether the four bytes of `word` are all ASCII letters or digits: the
/// range tests of [`swar::alphanumeric_bits`] on all four at once (a byte loop cost
/// three times as many instructions on every tie of a log line).
fn all_alphanumeric(word: u32) -> bool {
    swar::alphanumeric_bits(u64::from(word)) & 0x8080_8080 == 0x8080_8080
}

/// The first `:` or `=` at or after `at`, or `hay.len()`.
fn next_tie(hay: &[u8], at: usize) -> usize {
    swar::find_first(
        hay,
        at,
        |w| swar::eq_bits(w, b':') | swar::eq_bits(w, b'='),
        |b| b == b':' || b == b'=',
    )
}

impl Default for FieldKeys {
    fn default() -> Self {
        DEFAULT_KEYS
            .iter()
            .fold(Self::empty(), |keys, &(key, kind)| keys.with(key, kind))
    }
}

impl FieldKeys {
    /// A set without keys: no value is found by its key.
    pub fn empty() -> Self {
        Self {
            keys: HashMap::default(),
            filter: [0; 64],
        }
    }

    /// Adds `key` (compared in normal form, see the module docs) for values
    /// of `kind`. A key whose normal form is empty or longer than 40 bytes
    /// is ignored.
    pub fn with(mut self, key: &str, kind: DetectedKind) -> Self {
        let mut buf = [0u8; MAX_KEY];
        if let Some(normal) = normal_form(key.as_bytes(), || None, &mut buf) {
            let bit = filter_bit(normal);
            self.filter[bit / 64] |= 1 << (bit % 64);
            self.keys.insert(normal.to_vec(), kind);
        }
        self
    }

    /// Removes `key` (in any spelling with the same normal form).
    pub fn without(mut self, key: &str) -> Self {
        let mut buf = [0u8; MAX_KEY];
        if let Some(normal) = normal_form(key.as_bytes(), || None, &mut buf) {
            self.keys.remove(normal);
        }
        self
    }

    /// The kind that values of `key` are, if the key is in the set.
    pub fn kind(&self, key: &str) -> Option<DetectedKind> {
        let mut buf = [0u8; MAX_KEY];
        self.lookup(key.as_bytes(), &mut buf)
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn lookup(&self, key: &[u8], buf: &mut [u8; MAX_KEY]) -> Option<DetectedKind> {
        self.lookup_member(key, || None, buf)
    }

    /// [`lookup`](Self::lookup) for the key of a JSON member; `outer`
    /// gives the key of the object that holds it (see [`json_owner`]).
    fn lookup_member<'k>(
        &self,
        key: &'k [u8],
        outer: impl FnOnce() -> Option<&'k [u8]>,
        buf: &mut [u8; MAX_KEY],
    ) -> Option<DetectedKind> {
        if !self.filter_has(filter_bit(key)) {
            return None;
        }
        self.keys.get(normal_form(key, outer, buf)?).copied()
    }

    fn filter_has(&self, bit: usize) -> bool {
        self.filter[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// Whether the key before the tie at `tie_at` may be in the set: the
    /// filter test of [`lookup`](Self::lookup), read straight from the
    /// bytes before the tie. Most ties of a log line are settled here,
    /// before the key is even delimited.
    fn may_hold_key_before(&self, hay: &[u8], tie_at: usize) -> bool {
        let mut end = tie_at;
        while end > 0 && hay[end - 1] == b' ' {
            end -= 1;
        }
        let quoted = end > 0 && hay[end - 1] == b'"';
        let mut i = end - usize::from(quoted);
        // Most keys end in four letters or digits: their tail is the four
        // bytes as they stand, in lower case (`| 0x20` leaves digits be).
        if let Some(last4) = i.checked_sub(4).map(|lo| &hay[lo..i]) {
            let mut word = [0u8; 4];
            word.copy_from_slice(last4);
            let word = u32::from_le_bytes(word);
            if all_alphanumeric(word) {
                let tail = Tail {
                    bytes: u64::from(word | 0x2020_2020),
                    len: 4,
                };
                return self.filter_has(tail.bit());
            }
        }
        let mut tail = Tail::default();
        while i > 0 {
            let b = hay[i - 1];
            let key_ends = if quoted { b == b'"' } else { !is_key_byte(b) };
            if key_ends || tail.push(b) {
                break;
            }
            i -= 1;
        }
        self.filter_has(tail.bit())
    }
}

/// The normal form of `key` in `buf` (see the module docs). `None` when
/// empty or too long. `outer` gives the key of the JSON object that holds
/// the member, the owner of a `name` not written in the key itself.
fn normal_form<'b, 'k>(
    key: &'k [u8],
    outer: impl FnOnce() -> Option<&'k [u8]>,
    buf: &'b mut [u8; MAX_KEY],
) -> Option<&'b [u8]> {
    let mut segments = key.rsplit(|&b| b == b'.');
    let last = segments.next().unwrap_or(key);
    let mut n = fold_segment(last, &mut buf[..])?;
    if &buf[..n] == b"name" {
        let mut owner = [0u8; MAX_KEY];
        let owner_len = segments
            .next()
            .or_else(|| outer().and_then(|o| o.rsplit(|&b| b == b'.').next()))
            .and_then(|segment| fold_segment(segment, &mut owner));
        if let Some(owner) = owner_len.and_then(|len| thing_owner(&owner[..len])) {
            let whole = owner.len() + n;
            buf.get_mut(owner.len()..whole)?.copy_from_slice(b"name");
            buf[..owner.len()].copy_from_slice(owner);
            n = whole;
        }
    }
    (n > 0).then(|| &buf[..n])
}

/// The entry of [`THING_OWNERS`] that `owner` (in normal form) is, also
/// in the plural (`items`, `line_items`, `services`).
fn thing_owner(owner: &[u8]) -> Option<&'static [u8]> {
    let singular = owner.strip_suffix(b"s");
    THING_OWNERS
        .iter()
        .copied()
        .find(|&thing| thing == owner || singular == Some(thing))
}

/// Writes `segment` into `buf` in ASCII lower case, without `_`, `-` and
/// spaces; its length, or `None` when it does not fit.
fn fold_segment(segment: &[u8], buf: &mut [u8]) -> Option<usize> {
    let mut n = 0;
    for &b in segment {
        if matches!(b, b'_' | b'-' | b' ') {
            continue;
        }
        *buf.get_mut(n)? = b.to_ascii_lowercase();
        n += 1;
    }
    Some(n)
}

/// Owners whose `.name` names a thing, in normal form: the namespaces of
/// OpenTelemetry's semantic conventions and the Elastic Common Schema that
/// have a `name` (`service.name`, `host.name`, `k8s.pod.name`, `db.name`,
/// `messaging.destination.name`, `process.executable.name`, …), and the
/// catalog and operations of a marketplace. Owners that may be people
/// (`user`, `agent`, `device`, `merchant`) are not here.
const THING_OWNERS: &[&[u8]] = &[
    b"action",
    b"app",
    b"application",
    b"branch",
    b"brand",
    b"browser",
    b"bucket",
    b"campaign",
    b"carrier",
    b"catalog",
    b"category",
    b"class",
    b"cloud",
    b"cluster",
    b"code",
    b"collection",
    b"company",
    b"component",
    b"container",
    b"coupon",
    b"country",
    b"currency",
    b"database",
    b"db",
    b"deployment",
    b"destination",
    b"endpoint",
    b"environment",
    b"error",
    b"event",
    b"exception",
    b"exchange",
    b"executable",
    b"experiment",
    b"feature",
    b"file",
    b"flag",
    b"function",
    b"group",
    b"handler",
    b"host",
    b"image",
    b"index",
    b"instance",
    b"item",
    b"job",
    b"library",
    b"lineitem",
    b"log",
    b"logger",
    b"machine",
    b"method",
    b"metric",
    b"module",
    b"namespace",
    b"network",
    b"node",
    b"observer",
    b"operation",
    b"org",
    b"organization",
    b"os",
    b"package",
    b"page",
    b"pipeline",
    b"plan",
    b"pod",
    b"process",
    b"product",
    b"promotion",
    b"protocol",
    b"queue",
    b"region",
    b"repository",
    b"role",
    b"route",
    b"screen",
    b"sdk",
    b"service",
    b"shop",
    b"sku",
    b"span",
    b"step",
    b"store",
    b"table",
    b"task",
    b"team",
    b"telemetry",
    b"template",
    b"thread",
    b"topic",
    b"trace",
    b"useragent",
    b"variant",
    b"warehouse",
    b"workflow",
    b"zone",
];

/// Bytes a bare key is made of.
pub(crate) fn is_key_byte(b: u8) -> bool {
    KEY_BYTE[usize::from(b)]
}

/// [`is_key_byte`] as a table: it runs on every byte of every key.
static KEY_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.') || c >= 0x80;
        b += 1;
    }
    t
};

/// How a key is tied to its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tie {
    /// `"key": …` or `"key"=>…`.
    Json,
    /// `key=…`.
    Equals,
    /// `key: …`.
    Colon,
}

/// The `:` and `=` of a line whose key may be in the set, in order: the
/// scanner notes them on its way ([`Ties::note`]), since it stops at every
/// such byte anyway, so that the keyed pass need not search the line
/// again.
#[derive(Debug)]
pub(crate) struct Ties {
    at: [usize; Self::CAP],
    len: usize,
    /// Where noting stopped because the list was full: the keyed pass
    /// searches on from here itself.
    full_from: Option<usize>,
}

impl Ties {
    const CAP: usize = 16;

    pub(crate) const fn new() -> Self {
        Self {
            at: [0; Self::CAP],
            len: 0,
            full_from: None,
        }
    }

    /// No ties noted: the keyed pass searches the whole line itself.
    #[cfg(test)]
    pub(crate) const fn unnoted() -> Self {
        Self {
            at: [0; Self::CAP],
            len: 0,
            full_from: Some(0),
        }
    }

    /// Notes the tie at `tie_at` if its key may be in `keys`.
    #[inline]
    pub(crate) fn note(&mut self, hay: &[u8], tie_at: usize, keys: &FieldKeys) {
        if self.full_from.is_none() && may_tie(hay, tie_at, keys) {
            if self.len == Self::CAP {
                self.full_from = Some(tie_at);
            } else {
                self.at[self.len] = tie_at;
                self.len += 1;
            }
        }
    }
}

/// Whether the `:` or `=` at `tie_at` may tie a key of `keys` to a value.
fn may_tie(hay: &[u8], tie_at: usize, keys: &FieldKeys) -> bool {
    // Clock times and ports (`10:22:01`, `:8080`) are most of the colons
    // in a log line: no key ends in a digit right before one.
    let clock = hay[tie_at] == b':' && tie_at > 0 && hay[tie_at - 1].is_ascii_digit();
    !clock && keys.may_hold_key_before(hay, tie_at)
}

/// The ties of `hay[lo..hi]` that [`may_tie`], found by a search.
fn search_ties<'h>(
    hay: &'h [u8],
    lo: usize,
    hi: usize,
    keys: &'h FieldKeys,
) -> impl Iterator<Item = usize> + 'h {
    let mut at = lo;
    let hay_to_hi = &hay[..hi];
    core::iter::from_fn(move || {
        loop {
            let tie_at = next_tie(hay_to_hi, at);
            if tie_at >= hi {
                return None;
            }
            at = tie_at + 1;
            if may_tie(hay, tie_at, keys) {
                return Some(tie_at);
            }
        }
    })
}

/// Appends the values of `keys` in `hay` (those starting at or after
/// `from`) to `out`, for the kinds in `kinds`. Runs after the scanner,
/// whose findings `out` holds and which noted the ties from `from` on in
/// `ties`; the ties of the context before `from` are searched here.
pub(crate) fn scan(
    hay: &[u8],
    from: usize,
    ties: &Ties,
    keys: &FieldKeys,
    kinds: KindSet,
    out: &mut Vec<Raw>,
) {
    if from == 0 && ties.len == 0 && ties.full_from.is_none() {
        // A whole line whose ties the scanner turned all away (most lines).
        return;
    }
    let scanned = out.len();
    let mut buf = [0u8; MAX_KEY];
    let mut containers = Containers::default();
    let mut at = 0;
    let rest = ties
        .full_from
        .map(|lo| search_ties(hay, lo, hay.len(), keys));
    let candidates = search_ties(hay, 0, from, keys)
        .chain(ties.at[..ties.len].iter().copied())
        .chain(rest.into_iter().flatten());
    for tie_at in candidates {
        // A tie inside the value just taken is part of it.
        if tie_at < at {
            continue;
        }
        at = tie_at + 1;
        let Some((key, tie)) = key_before(hay, tie_at) else {
            continue;
        };
        // A JSON key's quote opens a byte before it; the object around
        // that quote owns the member.
        let start = key.start;
        let outer = || {
            (tie == Tie::Json)
                .then(|| json_owner(hay, start - 1, &mut containers))
                .flatten()
        };
        let kind = keys.lookup_member(&hay[key], outer, &mut buf);
        let Some(kind) = kind.filter(|&k| kinds.has(k)) else {
            continue;
        };
        let value_from = match (tie, hay.get(tie_at + 1)) {
            (Tie::Json | Tie::Equals, Some(b'>')) => tie_at + 2,
            _ => tie_at + 1,
        };
        let Some((start, end)) = value_after(hay, value_from, tie, kind) else {
            continue;
        };
        at = at.max(end);
        if start >= from {
            let found = value_finding(hay, start..end, kind, &out[..scanned]);
            out.extend(found);
        }
    }
}

/// The finding that the value `hay[value]` of a field whose key names
/// `kind` is, if any, given the scanner's findings `scanned` of the line.
pub(crate) fn value_finding(
    hay: &[u8],
    value: core::ops::Range<usize>,
    kind: DetectedKind,
    scanned: &[Raw],
) -> Option<Raw> {
    let (start, end) = (value.start, value.end);
    if end - start > MAX_VALUE || !takes_whole(hay, start, end, kind) {
        return None;
    }
    // For the kinds the scanner knows, its exact findings win, and a value
    // of digits and separators it rejected (`dob=1990-02-30`, a Luhn
    // failure) was rejected for a reason: only free-form values (`0800
    // FLOWERS`, `3rd of May '88`) are taken whole.
    let inside = |r: &Raw| r.start >= start && r.end <= end;
    let free_form = hay[start..end].iter().any(u8::is_ascii_alphabetic);
    if scanner_kind(kind) && (!free_form || scanned.iter().any(inside)) {
        return None;
    }
    Some(Raw {
        kind,
        start,
        end,
        validator: "field-key",
    })
}

/// The kinds the scanner finds by their shape.
pub(crate) fn scanner_kind(kind: DetectedKind) -> bool {
    !matches!(kind, DetectedKind::Person | DetectedKind::Address)
}

/// Whether the value `hay[start..end]` is taken whole: it has a letter or
/// digit, and is not already masked. A date of birth needs a digit, and a
/// name a letter: an order's own `"name":"#1042"` (Shopify's) is not a
/// person's, and a phone number typed into a name field is found by its
/// shape.
fn takes_whole(hay: &[u8], start: usize, end: usize, kind: DetectedKind) -> bool {
    let value = &hay[start..end];
    let masked = value.contains(&b'*')
        || value
            .windows(3)
            .any(|w| w == "•".as_bytes() || w.eq_ignore_ascii_case(b"xxx"));
    let null = [&b"null"[..], b"none", b"n/a", b"-", b"redacted"]
        .iter()
        .any(|n| value.eq_ignore_ascii_case(n));
    let has_content = value
        .iter()
        .any(|b| b.is_ascii_alphanumeric() || *b >= 0x80);
    let tagged = value.first() == Some(&b'[') && value.last() == Some(&b']');
    has_content
        && !masked
        && !null
        && !tagged
        && (kind != DetectedKind::Dob || value.iter().any(u8::is_ascii_digit))
        && (kind != DetectedKind::Person
            || value.iter().any(|b| b.is_ascii_alphabetic() || *b >= 0x80))
}

/// The key that ends right before the tie at `tie_at` (a `:` or `=`), if
/// any: a quoted JSON key or a bare identifier.
fn key_before(hay: &[u8], tie_at: usize) -> Option<(core::ops::Range<usize>, Tie)> {
    let mut end = tie_at;
    while end > 0 && hay[end - 1] == b' ' {
        end -= 1;
    }
    if end > 0 && hay[end - 1] == b'"' {
        // `"key":` — the key is the string before; no quote inside it.
        let close = end - 1;
        let lo = close.saturating_sub(MAX_KEY * 2);
        let open = memchr::memrchr(b'"', &hay[lo..close])? + lo;
        let key = open + 1..close;
        let plain = !key.is_empty() && !hay[key.clone()].contains(&b'\\');
        return plain.then_some((key, Tie::Json));
    }
    if end != tie_at && hay[tie_at] == b'=' {
        // `key = value` is rare in logs; `a == b` and `x = 3` in code are not.
        return None;
    }
    let mut start = end;
    while start > 0 && end - start < MAX_KEY * 2 && is_key_byte(hay[start - 1]) {
        start -= 1;
    }
    let standalone = start == 0 || !is_key_byte(hay[start - 1]);
    let starts_with_letter = hay
        .get(start)
        .filter(|_| start < end)
        .is_some_and(|b| b.is_ascii_alphabetic() || *b >= 0x80);
    let tie = if hay[tie_at] == b'=' {
        Tie::Equals
    } else {
        Tie::Colon
    };
    (standalone && starts_with_letter).then_some((start..end, tie))
}

/// How far back [`json_owner`] reads, at most, for the object that holds a
/// member, and again for the array that holds the object.
const MAX_OWNER_SCAN: usize = 1024;

/// The key of the JSON object that holds the member whose key opens (its
/// `"`) at `open`: `service` in `{"service":{"name":…}}`, and the key of
/// the array for the objects in it (`items` in `{"items":[{"name":…}]}`).
/// `None` at the top level, in text that is not JSON, and when the object
/// or array opens more than [`MAX_OWNER_SCAN`] bytes before and no
/// earlier search found it: such a member has no owner, which fails closed
/// (its `name` is a person's). `seen` keeps what the members before this
/// one found, so each object of a long array (an order's line items)
/// reads back only over the one before it, and all of them find the
/// array, however far back it opens.
fn json_owner<'h>(hay: &'h [u8], open: usize, seen: &mut Containers) -> Option<&'h [u8]> {
    json_owner_from(hay, open, MAX_OWNER_SCAN, seen)
}

/// [`json_owner`], each search reading back at most `scan` bytes.
fn json_owner_from<'h>(
    hay: &'h [u8],
    open: usize,
    scan: usize,
    seen: &mut Containers,
) -> Option<&'h [u8]> {
    let object = enclosing_open(hay, open.saturating_sub(scan), open, seen.member);
    seen.member = Some((open, object));
    let object = object.filter(|&i| hay[i] == b'{')?;
    let mut before = space_start(hay, object);
    if before > 0 && matches!(hay[before - 1], b',' | b'[') {
        let array = enclosing_open(hay, object.saturating_sub(scan), object, seen.element);
        seen.element = Some((object, array));
        before = space_start(hay, array.filter(|&i| hay[i] == b'[')?);
    }
    let tie = before.checked_sub(1)?;
    let tie_at = match hay[tie] {
        b':' => tie,
        b'>' if tie > 0 && hay[tie - 1] == b'=' => tie - 1,
        _ => return None,
    };
    match key_before(hay, tie_at)? {
        (key, Tie::Json) => Some(&hay[key]),
        _ => None,
    }
}

/// The containers that [`json_owner`] found for the last member of a line
/// and for the last object in an array, each with where its search
/// started. A search that reaches that start at the same depth has the
/// same answer (the bytes between are balanced), so the members of one
/// long object (or the objects of one long array) are not read back over
/// again, and an answer further back than a search reads holds for all.
#[derive(Default)]
struct Containers {
    member: Option<(usize, Option<usize>)>,
    element: Option<(usize, Option<usize>)>,
}

/// The `{` or `[` that opens the JSON object or array around `hay[at]`,
/// searched back to `lo` over balanced brackets and whole strings; `known`
/// is an earlier search: where it started and what it found.
fn enclosing_open(
    hay: &[u8],
    lo: usize,
    at: usize,
    known: Option<(usize, Option<usize>)>,
) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    while i > lo {
        i -= 1;
        match hay[i] {
            // Outside a string every quote closes one: skip to its start.
            b'"' => i = string_start(hay, lo, i)?,
            b'}' | b']' => depth += 1,
            b'{' | b'[' if depth == 0 => return Some(i),
            b'{' | b'[' => depth -= 1,
            _ => {}
        }
        if let Some((_, found)) = known.filter(|&(start, _)| depth == 0 && start == i) {
            return found;
        }
    }
    None
}

/// The opening quote of the JSON string whose closing quote is at
/// `close`: the quote before it that no odd run of backslashes escapes.
fn string_start(hay: &[u8], lo: usize, close: usize) -> Option<usize> {
    let mut end = close;
    loop {
        let quote = memchr::memrchr(b'"', &hay[lo..end])? + lo;
        let backslashes = hay[lo..quote]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 0 {
            return Some(quote);
        }
        end = quote;
    }
}

/// Where the run of spaces that ends at `end` starts.
fn space_start(hay: &[u8], end: usize) -> usize {
    hay[..end]
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(0, |i| i + 1)
}

/// The value after a tie, from `from`: its byte range.
fn value_after(hay: &[u8], from: usize, tie: Tie, kind: DetectedKind) -> Option<(usize, usize)> {
    let mut i = from;
    while hay.get(i) == Some(&b' ') {
        i += 1;
    }
    match (tie, hay.get(i)?) {
        (_, b'"') => json_string(hay, i + 1).map(|end| (i + 1, end)),
        (Tie::Json, _) => None,
        (_, b'\'') => {
            let len = memchr::memchr(b'\'', hay.get(i + 1..)?)?;
            Some((i + 1, i + 1 + len))
        }
        (Tie::Equals, _) => {
            let len = hay[i..]
                .iter()
                .position(|&b| matches!(b, b' ' | b'\t' | b'&' | b',' | b';' | b')' | b']' | b'}'))
                .unwrap_or(hay.len() - i);
            // A tag this crate wrote (`[PHONE]`, `[EMAIL:1f…]`) is one value
            // with its closing bracket, so that it is seen as redacted.
            let tag = hay[i] == b'[' && hay.get(i + len) == Some(&b']');
            Some((i, i + len + usize::from(tag)))
        }
        (Tie::Colon, _) if i == from => None,
        (Tie::Colon, _) => Some((i, bare_end(hay, i, kind))),
    }
}

/// The end of a JSON string whose text starts at `from`: the position of
/// its closing quote (escapes skipped), or `None` if it does not close
/// within [`MAX_VALUE`] bytes.
fn json_string(hay: &[u8], from: usize) -> Option<usize> {
    let limit = hay.len().min(from + MAX_VALUE + 1);
    let mut i = from;
    while i < limit {
        match hay[i] {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// The end of a bare value after `key: ` that starts at `start`.
fn bare_end(hay: &[u8], start: usize, kind: DetectedKind) -> usize {
    let limit = hay.len().min(start + MAX_VALUE + 1);
    let mut end = start;
    while end < limit {
        let b = hay[end];
        let stop = matches!(b, b'|' | b';' | b'\t' | b'\r' | b'\n' | b'"' | b'}')
            || (b == b',' && kind == DetectedKind::Person)
            || (b == b' ' && next_is_key(&hay[end + 1..]))
            || sentence_end(hay, start, end);
        if stop {
            break;
        }
        end += 1;
    }
    while end > start && matches!(hay[end - 1], b' ' | b'.') {
        end -= 1;
    }
    end
}

/// Whether `hay[end]` ends a sentence of a bare value that started at
/// `start` (`Adresse : 80, boulevard Mallet, 42427 Perrotdan. Appelez-moi
/// …` in a ticket): `.`, `!` or `?` before a space or the end, after a word
/// longer than an abbreviation of up to three characters (`St.`, `ul.`,
/// `Bât.` go on).
fn sentence_end(hay: &[u8], start: usize, end: usize) -> bool {
    if !matches!(hay[end], b'.' | b'!' | b'?') || hay.get(end + 1).is_some_and(|&b| b != b' ') {
        return false;
    }
    let word = hay[start..end]
        .iter()
        .rev()
        .take_while(|b| !b.is_ascii_whitespace() && **b != b',')
        .filter(|&&b| b & 0xc0 != 0x80)
        .count();
    hay[end] != b'.' || word > 3
}

/// Whether `rest` starts with a bare key and its tie (`city: `, `id=`).
fn next_is_key(rest: &[u8]) -> bool {
    let len = rest.iter().take_while(|&&b| is_key_byte(b)).count();
    len > 0
        && rest[0].is_ascii_alphabetic()
        && match rest.get(len) {
            Some(b'=') => true,
            Some(b':') => rest.get(len + 1).is_none_or(|&b| b == b' '),
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(DetectedKind, &str)> {
        let mut out = Vec::new();
        scan(
            text.as_bytes(),
            0,
            &Ties::unnoted(),
            &FieldKeys::default(),
            KindSet::ALL,
            &mut out,
        );
        out.iter()
            .map(|r| (r.kind, &text[r.start..r.end]))
            .collect()
    }

    #[test]
    fn keys_compare_in_normal_form() {
        let keys = FieldKeys::default();
        for key in [
            "first_name",
            "firstName",
            "First-Name",
            "customer.first_name",
        ] {
            assert_eq!(keys.kind(key), Some(DetectedKind::Person), "{key}");
        }
        for key in ["masked_email", "username", "service_name", "", "."] {
            assert_eq!(keys.kind(key), None, "{key}");
        }
        let keys = keys.without("NAME").with("consignee", DetectedKind::Person);
        assert_eq!(keys.kind("name"), None);
        assert_eq!(keys.kind("Consignee"), Some(DetectedKind::Person));
        assert!(FieldKeys::empty().is_empty());
        assert_eq!(
            FieldKeys::empty().with(&"k".repeat(41), DetectedKind::Person),
            FieldKeys::empty()
        );
    }

    #[test]
    fn a_name_keeps_an_owner_that_names_a_thing() {
        let keys = FieldKeys::default();
        for key in [
            "service.name",
            "k8s.pod.name",
            "resource.attributes.host.name",
            "messaging.destination.name",
            "process.executable.name",
            "Product.Name",
            "db.name",
        ] {
            assert_eq!(keys.kind(key), None, "{key}");
        }
        for key in [
            "name",
            "customer.name",
            "agent.name",
            "patient.name",
            ".name",
            "a.b.name",
        ] {
            assert_eq!(keys.kind(key), Some(DetectedKind::Person), "{key}");
        }
        // The joined form is a key of its own, for hosts that want it.
        let keys = keys.with("product_name", DetectedKind::Person);
        assert_eq!(keys.kind("product.name"), Some(DetectedKind::Person));
        assert_eq!(
            values("service.name=checkout host.name=ip-10-0-3-7 customer.name=\"Ada Lovelace\""),
            [(DetectedKind::Person, "Ada Lovelace")]
        );
        assert_eq!(
            values(r#"{"service.name":"payments","user.name":"ada","customer.name":"Kofi"}"#),
            [
                (DetectedKind::Person, "ada"),
                (DetectedKind::Person, "Kofi")
            ]
        );
    }

    #[test]
    fn a_json_name_takes_the_object_that_holds_it_as_its_owner() {
        assert_eq!(
            values(r#"{"service":{"name":"checkout"},"customer":{"name":"Ada Lovelace"}}"#),
            [(DetectedKind::Person, "Ada Lovelace")]
        );
        // Array elements belong to the array's key, also in the plural;
        // strings with quotes and brackets in them are skipped whole.
        assert_eq!(
            values(concat!(
                r#"{"line_items":[{"sku":"A1","name":"Mug \"Big\" {x}"},"#,
                r#"{"sku":"B2","name":"Lamp [2]"}],"#,
                r#""shipping_address":{"name":"Kofi Mensah"}}"#
            )),
            [(DetectedKind::Person, "Kofi Mensah")]
        );
        assert_eq!(
            values(
                r#"{"resource" : {"k8s.pod" : {"name" : "web-1"}}, "products" => [ {"name" => "Mug"} ]}"#
            ),
            []
        );
        // A sibling is no owner, nor is a key outside the JSON; nested
        // objects between the owner and the member are.
        for line in [
            r#"{"name":"Ada","service":"x"}"#,
            r#"{"service":{"name":"a"},"name":"Ada"}"#,
            r#"service={"name":"Ada"}"#,
            r#"{"recipients":[{"name":"Ada"}]}"#,
            r#"{"service":"x"} {"name":"Ada"}"#,
            r#"{"product": [[{"name":"Ada"}]]}"#,
        ] {
            assert_eq!(values(line), [(DetectedKind::Person, "Ada")], "{line}");
        }
        assert_eq!(
            values(r#"{"product":{"dims":[1,2],"meta":{"x":"}"},"name":"Lamp"}}"#),
            []
        );
    }

    #[test]
    fn a_json_owner_too_far_back_fails_closed() {
        let filler = "x".repeat(MAX_OWNER_SCAN);
        let line = format!(r#"{{"product":{{"note":"{filler}","name":"Ada"}}}}"#);
        assert_eq!(values(&line), [(DetectedKind::Person, "Ada")]);
        let line = format!(
            r#"{{"product":{{"note":"{}","name":"Lamp"}}}}"#,
            &filler[..900]
        );
        assert_eq!(values(&line), []);
    }

    #[test]
    fn a_name_without_a_letter_is_not_a_person() {
        use DetectedKind::Person;
        assert_eq!(
            values(r##"{"id":8201,"name":"#1042","customer":{"name":"Ada Lovelace"}}"##),
            [(Person, "Ada Lovelace")]
        );
        assert_eq!(values("name=1042 recipient=\"Zoë\""), [(Person, "Zoë")]);
        assert_eq!(values(r#"{"name":"王芳"}"#), [(Person, "王芳")]);
    }

    #[test]
    fn json_members() {
        use DetectedKind::{Address, Person};
        assert_eq!(
            values(r#"{"firstName":"Ada","lastName" : "Love\"lace","n":1}"#),
            [(Person, "Ada"), (Person, r#"Love\"lace"#)]
        );
        assert_eq!(
            values(r#"{"address":{"street":"Rua Augusta 1500, apto 52"},"name":null}"#),
            [(Address, "Rua Augusta 1500, apto 52")]
        );
        assert_eq!(
            values(r#"{"user"=>{"name"=>"Sam Carter"}}"#),
            [(Person, "Sam Carter")]
        );
        // Masked, empty, tagged and non-string values stay.
        assert_eq!(
            values(r#"{"name":"","email":"m***@x.com","street":"[ADDRESS]","phone":42}"#),
            []
        );
    }

    #[test]
    fn text_fields() {
        use DetectedKind::{Address, Person, Phone};
        assert_eq!(
            values("level=info name=Ana trace=00-4bf9 shipping_address=\"14 Harbour Road, Cork\""),
            [(Person, "Ana"), (Address, "14 Harbour Road, Cork")]
        );
        assert_eq!(
            values("street: 221B Baker Street | city: London | recipient: Sherlock Holmes"),
            [(Address, "221B Baker Street"), (Person, "Sherlock Holmes")]
        );
        assert_eq!(
            values("Name: Ada Lovelace, phone: call me"),
            [(Person, "Ada Lovelace"), (Phone, "call me")]
        );
        assert_eq!(values("GET /u?name=Ada%20L&x=1"), [(Person, "Ada%20L")]);
        assert_eq!(
            values("body=\"Adresse : 80, bd Mallet, 42427 Perrotdan. Appelez-moi\""),
            [(Address, "80, bd Mallet, 42427 Perrotdan")]
        );
        assert_eq!(
            values("address: 12 Main St. Apt 4"),
            [(Address, "12 Main St. Apt 4")]
        );
        // Not fields: a word glued before the key, a spaced `=`, a clock.
        assert_eq!(values("hostname=web-1 x = name y name = z 10:22:01"), []);
        // Tags this crate wrote are values already redacted, brackets and
        // all; a bracket that does not close a tag still ends a value.
        assert_eq!(values("tel=[PHONE] name=[PERSON:1f2e3d4c5b6a7988] x"), []);
        assert_eq!(values("ids=[7] name=Ada]"), [(Person, "Ada")]);
    }

    /// A JSON member that is no key of the default set: a string with
    /// escapes, quotes and brackets in it, a number, or nested values.
    fn json_member() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        let text = proptest::string::string_regex(r#"([a-z{}\[\] ,:]|\\"|\\\\)*"#)
            .unwrap_or_else(|e| panic!("strategy: {e}"));
        (0..3u8, text).prop_map(|(shape, text)| match shape {
            0 => format!(r#""note":"{text}""#),
            1 => r#""qty":3"#.to_owned(),
            _ => format!(r#""meta":{{"tags":["{text}",{{"k":"}}"}}],"n":[1,[2]]}}"#),
        })
    }

    /// JSON values of objects and arrays nested a few deep, whose keys
    /// are owners, people and `name`.
    fn json_value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::{Just, prop_oneof};
        use proptest::strategy::Strategy;
        let leaf = prop_oneof![
            Just(r#""Ada""#.to_owned()),
            Just(r#""a \"}\" ]""#.to_owned()),
            Just("7".to_owned()),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let key = prop_oneof![
                Just("name"),
                Just("service"),
                Just("customer"),
                Just("items"),
                Just("note"),
            ];
            prop_oneof![
                proptest::collection::vec((key, inner.clone()), 0..6).prop_map(|members| {
                    let members: Vec<String> = members
                        .iter()
                        .map(|(k, v)| format!(r#""{k}":{v}"#))
                        .collect();
                    format!("{{{}}}", members.join(","))
                }),
                proptest::collection::vec(inner, 0..6)
                    .prop_map(|items| format!("[{}]", items.join(","))),
            ]
        })
    }

    proptest::proptest! {
        /// The object that holds a JSON `name` decides whether it is a
        /// person's, whatever siblings (strings with escapes, quotes and
        /// brackets, nested objects and arrays) stand before it.
        #[test]
        fn a_json_name_is_owned_by_its_object(
            siblings in proptest::collection::vec(json_member(), 0..4),
            thing in proptest::bool::ANY,
            in_array in proptest::bool::ANY,
            value in "[A-Z][a-z]{1,8}",
        ) {
            let owner = if thing { "service" } else { "customer" };
            let mut object = String::from("{");
            for member in &siblings {
                object.push_str(member);
                object.push(',');
            }
            object.push_str(&format!(r#""name":"{value}"}}"#));
            let held = if in_array { format!("[{object}]") } else { object };
            let line = format!(r#"{{"a":{{"b":1}},"{owner}":{held}}}"#);
            let found = values(&line);
            if thing {
                proptest::prop_assert!(found.is_empty(), "{line}: {found:?}");
            } else {
                proptest::prop_assert_eq!(found, [(DetectedKind::Person, value.as_str())], "{}", line);
            }
        }

        /// What a JSON member's owner is does not depend on the members
        /// before it: the searches they leave behind ([`Containers`]) give
        /// the answers of a fresh search over the whole line, in any
        /// nesting.
        #[test]
        fn earlier_members_do_not_change_an_owner(value in json_value()) {
            let line = value.as_bytes();
            let mut seen = Containers::default();
            for (open, _) in value.match_indices(r#""name":"#) {
                let fresh = json_owner_from(line, open, usize::MAX, &mut Containers::default());
                proptest::prop_assert_eq!(json_owner(line, open, &mut seen), fresh, "{}", value);
            }
        }

        /// Every object of an array keeps the array's key as its owner,
        /// however far back the array opens, as long as each object is
        /// shorter than a search reads ([`MAX_OWNER_SCAN`]): an order's
        /// many line items are not people, its many recipients are.
        #[test]
        fn a_long_array_keeps_its_owner(
            pads in proptest::collection::vec(0..600usize, 1..40),
            thing in proptest::bool::ANY,
        ) {
            let owner = if thing { "line_items" } else { "recipients" };
            let items: Vec<String> = pads
                .iter()
                .map(|&n| format!(r#"{{"sku":"{}","name":"Mug"}}"#, "x".repeat(n)))
                .collect();
            let line = format!(r#"{{"id":7,"{owner}":[{}]}}"#, items.join(","));
            let found = values(&line);
            if thing {
                proptest::prop_assert!(found.is_empty(), "{found:?}");
            } else {
                proptest::prop_assert_eq!(found.len(), pads.len());
            }
        }

        /// The filter read from the bytes before a tie never turns away a
        /// key that the full lookup would find, in any spelling or
        /// framing.
        #[test]
        fn the_early_filter_keeps_every_key(
            prefix in "[a-z]{0,6}[._-]?",
            index in 0..DEFAULT_KEYS.len(),
            caps in proptest::collection::vec(proptest::bool::ANY, 40),
            seps in proptest::collection::vec(0..4u8, 40),
            frame in 0..4u8,
        ) {
            let keys = FieldKeys::default();
            let mut key = prefix.clone();
            for (i, c) in DEFAULT_KEYS[index].0.chars().enumerate() {
                key.push(if caps[i % 40] { c.to_ascii_uppercase() } else { c });
                match seps[i % 40] {
                    0 => key.push('_'),
                    1 => key.push('-'),
                    _ => {}
                }
            }
            let line = match frame {
                0 => format!("{{\"{key}\":\"v\"}}"),
                1 => format!("{{\"{key}\" : \"v\"}}"),
                2 => format!("x {key}=v"),
                _ => format!("x {key}: v"),
            };
            let hay = line.as_bytes();
            let tie_at = hay.iter().rposition(|&b| b == b':' || b == b'=').unwrap_or(0);
            let mut buf = [0u8; MAX_KEY];
            if let Some((found, _)) = key_before(hay, tie_at) {
                if keys.lookup(&hay[found], &mut buf).is_some() {
                    proptest::prop_assert!(keys.may_hold_key_before(hay, tie_at), "{line}");
                }
            }
        }
    }

    #[test]
    fn all_alphanumeric_matches_the_byte_test() {
        for b in 0..=255u8 {
            for pos in 0..4 {
                let mut word = *b"aZ09";
                word[pos] = b;
                assert_eq!(
                    all_alphanumeric(u32::from_le_bytes(word)),
                    b.is_ascii_alphanumeric(),
                    "{b:#x} at {pos}"
                );
            }
        }
    }

    #[test]
    fn hostile_lines_are_quiet() {
        let _ = values(&"\"name\":".repeat(20_000));
        let _ = values(&"name=\"".repeat(20_000));
        let _ = values(&"{\"a\":".repeat(20_000));
        let _ = values(&":".repeat(100_000));
        let long = format!("{{\"name\":\"{}\"}}", "a".repeat(100_000));
        assert_eq!(values(&long), []);
    }
}
