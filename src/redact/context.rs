//! Context patterns: the words that label a value as a phone number, a
//! social security number or a date of birth, and the month names of
//! written-out dates.
//!
//! Some shapes are ambiguous on their own: `0612345678` may be a phone
//! number or an order number, `1987-06-04` a birth date or a delivery date.
//! For those the detector asks whether the value is *labelled*: a keyword
//! comes right before it, followed only by *glue*: punctuation that
//! introduces a value (`:`, `=`, quotes, brackets) and at most three short
//! words (`phone: "…"`, `Geburtsdatum: …`, `I was born on …`, `Sie
//! erreichen mich unter …`). Glue has no digits and no other key
//! (`location="Nascimento, BR" eta=…` is not a birth date). The patterns
//! must match a suffix of the short window before a candidate, so each
//! check is a reverse scan of a few dozen bytes ([`Suffix`]).

use std::borrow::Cow;
use std::sync::OnceLock;

use regex_automata::hybrid::BuildError;
use regex_automata::hybrid::dfa::DFA;
use regex_automata::nfa::thompson;
use regex_automata::util::syntax;
use regex_automata::{Anchored, HalfMatch, Input, MatchError};

use super::caches::Caches;
use super::scan::is_word;

/// What may stand between a label (with the rest of its identifier:
/// `birth` + `_date`) and its value: punctuation, then up to
/// three words, each followed by a space or colon, and a last word glued to
/// the value (Japanese `電話番号は…`).
///
/// Patterns run with Unicode off (`(?-u)`): classes are ASCII, a non-ASCII
/// byte counts as a letter, and non-ASCII keywords are spelled out in both
/// cases. Repetitions are unbounded (the [`WINDOW`] bounds them) rather
/// than counted. Both keep the lazy DFA small (counted repetitions and
/// Unicode classes multiply its states), so a check costs a reverse scan of
/// a few dozen bytes. Keywords are written in lower case and matched
/// against the window in lower case (see [`Suffix`]).
const GLUE: &str = r"(?:[\s:=\x22'<>()\[\]]|：|、)*(?:(?:[A-Za-z.,-]|[\x80-\xFF])+(?:[\s:]|：)+){0,3}(?:[A-Za-z]|[\x80-\xFF])*";

/// How many bytes before a candidate the context patterns look at.
pub(crate) const WINDOW: usize = 64;

/// How far before a date a date-of-birth label in an earlier clause or
/// sentence still counts (`I need to confirm my date of birth. It's
/// 3/14/1988`): about two short sentences.
pub(crate) const FAR_WINDOW: usize = 160;

/// Bytes that mark structured text (keys, fields, markup): a label this far
/// before a date only counts across prose, never across another field
/// (`birth_country=DE signup=2009-03-01`).
const FIELD_BYTES: &[u8] = b"=\"{}|\t<>[]";

/// The youngest customer whose date of birth is recognised, in years: a
/// date later than this many years before today is not taken for a birth
/// date (`your date of birth was updated on 2025-03-14`). 13 is the lowest
/// age of digital consent GDPR Art. 8(1) lets member states set.
const MIN_AGE: u32 = 13;

/// Labels of a date of birth, in the languages of the marketplace.
const DOB_WORDS: &str = r"birth|\bdob\b|\bborn\b|\bgeb\b\.?|geboren|geburtsdatum|naissance|\bn(?:é|e)e? le\b|nacimiento|\bnací|nacid[oa]|nascimento|\bnasci\b|\bnat[oa] il\b|nascita|geboortedatum|f(?:ö|o)dd|f(?:ö|o)delse|nascid[oa]|urodzon[ya]|urodzenia|생년월일|doğum|(?:р|Р)одил(?:а|и)?с(?:ь|я)|рождения|生年月日|出生日期|出生|生日|誕生日";

/// Labels of a phone number: field names and the usual "call me" phrases.
const PHONE_WORDS: &str = r"phone|\bdesk\b|\boffice\b|landline|festnetz|durchwahl|\bfixe?\b|\bfixo\b|b(?:ü|u)ro\b|\bbureau\b|oficina|ufficio|kantoor|\bnumer\b|\bnr tel|handynummer|telefonnummer|mobilnummer|rufnummer|\btel\b|\btel(?:e|é)f|\btlf\b|mobile?|\bmob\b|msisdn|\bcell|\bcall|callback|whats\s?app|\bsms\b|\btext me\b|reach me|contact|\bmy number\b|\bfax\b|\bhandy\b|m(?:o|ó)vil|celular|telem(?:o|ó)vel|\bliga\b|contato|contacto|mobiel|ring mig|zadzwo|kom(?:ó|o)rk|erreichbar|anruf|\bt(?:é)l\b|portable|joignable|\bappel|\bnum(?:é|e)ro\b|ll(?:a|á)m|chiam|\bnumero\b|\bmijn nummer\b|\bbel me\b|r(?:ü|u)ckruf|erreichen|\bnummer\b|(?:т|Т)елефон|(?:т|Т)ел\.|по номеру|(?:з|З)вон|電話|电话|手机|携帯|連絡|联系|致电|전화";

/// Phrases after a phone number that label it (Japanese `… に電話して
/// ください`, "please call …").
pub(crate) const PHONE_AFTER: [&str; 3] = ["に電話", "へ電話", "までお電話"];

/// Labels of a US social security number.
const SSN_WORDS: &str = r"ssn|social[ _-]?security|\btax[ _-]?id|\bitin\b|s(?:é|e)curit(?:é|e) sociale|seguridad social|seguro social|sozialversicherung";

/// What may stand between a reference label and its number: punctuation
/// and the words for "number" only. Tighter than [`GLUE`], because a card
/// may well follow the word "order" in a sentence (`your order was charged
/// to 4242…`); only `order 4242…`, `order no. 4242…`, `parcel #4242…` name
/// the number itself.
const REFERENCE_GLUE: &str = r"(?:[\s:=\x22'#<>()\[\]]|\bno\.?|\bnr\.?|\bnumber|\bnummer|\bnum(?:é|e)ro|\bn(?:ú|u)mero|\bid\b|\bis\b){0,6}";

/// Labels of order, parcel and other reference numbers: a number so
/// labelled is not a card even if it passes Luhn.
const REFERENCE_WORDS: &str = r"order|bestell|pedido|commande|ordine|zamówieni|(?:з|З)аказ|注文|订单|tracking|parcel|paket|colis|pacco|sendung|shipment|invoice|rechnung|factura|facture|ticket|\btxn\b|transaction|\bref\b|referen|r(?:é|e)f(?:é|e)rence";

/// Whether `before` ends with a version or build label, which makes a
/// dotted quad a version rather than an address: `version`, `build`,
/// `release` (also as the end of a key such as `app_version`), `ver`, `v`
/// or `rv`, case-insensitive, then up to four of `=: _"'`; or a product
/// token (`Chrome/`). Hand-written because it runs on every IPv4
/// candidate.
pub(crate) fn version_label(before: &[u8]) -> bool {
    let mut end = before.len();
    let mut glue = 0;
    while end > 0 && glue < 4 && matches!(before[end - 1], b'=' | b':' | b' ' | b'_' | b'"' | b'\'')
    {
        end -= 1;
        glue += 1;
    }
    if glue == 0 && end >= 2 && before[end - 1] == b'/' {
        return before[end - 2].is_ascii_alphabetic();
    }
    let mut start = end;
    while start > 0 && before[start - 1].is_ascii_alphabetic() {
        start -= 1;
    }
    let word = &before[start..end];
    let ends_with = |k: &str| {
        word.len() >= k.len() && word[word.len() - k.len()..].eq_ignore_ascii_case(k.as_bytes())
    };
    ["version", "build", "release"].into_iter().any(ends_with)
        || ["ver", "v", "rv"]
            .into_iter()
            .any(|k| word.eq_ignore_ascii_case(k.as_bytes()))
}

/// Month names (and common abbreviations) in English, German, French,
/// Spanish, Portuguese, Italian, Dutch, Swedish, Polish (genitive) and
/// Russian (genitive), mapped to month numbers.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("januar", 1),
    ("jänner", 1),
    ("janvier", 1),
    ("enero", 1),
    ("janeiro", 1),
    ("gennaio", 1),
    ("januari", 1),
    ("stycznia", 1),
    ("января", 1),
    ("february", 2),
    ("feb", 2),
    ("februar", 2),
    ("février", 2),
    ("fevrier", 2),
    ("febrero", 2),
    ("fevereiro", 2),
    ("febbraio", 2),
    ("februari", 2),
    ("lutego", 2),
    ("февраля", 2),
    ("march", 3),
    ("mar", 3),
    ("märz", 3),
    ("maerz", 3),
    ("mars", 3),
    ("marzo", 3),
    ("março", 3),
    ("marco", 3),
    ("maart", 3),
    ("marca", 3),
    ("марта", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("abril", 4),
    ("aprile", 4),
    ("kwietnia", 4),
    ("апреля", 4),
    ("may", 5),
    ("mai", 5),
    ("mayo", 5),
    ("maio", 5),
    ("maggio", 5),
    ("mei", 5),
    ("maj", 5),
    ("maja", 5),
    ("мая", 5),
    ("june", 6),
    ("jun", 6),
    ("juni", 6),
    ("juin", 6),
    ("junio", 6),
    ("junho", 6),
    ("giugno", 6),
    ("czerwca", 6),
    ("июня", 6),
    ("july", 7),
    ("jul", 7),
    ("juli", 7),
    ("juillet", 7),
    ("julio", 7),
    ("julho", 7),
    ("luglio", 7),
    ("lipca", 7),
    ("июля", 7),
    ("august", 8),
    ("aug", 8),
    ("août", 8),
    ("aout", 8),
    ("agosto", 8),
    ("augustus", 8),
    ("augusti", 8),
    ("sierpnia", 8),
    ("августа", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septembre", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("setembro", 9),
    ("settembre", 9),
    ("września", 9),
    ("сентября", 9),
    ("october", 10),
    ("oct", 10),
    ("oktober", 10),
    ("octobre", 10),
    ("octubre", 10),
    ("outubro", 10),
    ("ottobre", 10),
    ("października", 10),
    ("октября", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("noviembre", 11),
    ("novembro", 11),
    ("listopada", 11),
    ("ноября", 11),
    ("december", 12),
    ("dec", 12),
    ("dezember", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("diciembre", 12),
    ("dezembro", 12),
    ("dicembre", 12),
    ("grudnia", 12),
    ("декабря", 12),
];

/// The month number of a month name, compared case-insensitively.
pub(crate) fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_lowercase();
    MONTHS.iter().find(|(m, _)| *m == lower).map(|&(_, n)| n)
}

/// A written-out date that ends a window ([`text_date_before`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TextDate {
    /// Where the date starts in the window: at its day or its month name.
    pub(crate) start: usize,
    pub(crate) day: u32,
    pub(crate) month: u32,
}

/// The written-out date that `window` ends with (the text before a year):
/// day first (`12. Juli `, `2 de febrero de `, `le 14 juillet, `) or month
/// first (`August 2, `, `March 3rd `). The grammar, with ASCII letters in
/// any case, `\s` ASCII whitespace and `\b` an ASCII word boundary:
///
/// ```text
/// \b day (\.|er|st|nd|rd|th)? \s+ (de \s+)? month \.? ,? \s+ (de \s+)?
/// \b month \.? \s+ day (st|nd|rd|th)? ,? \s+
/// ```
///
/// A day is `[0-3]?[0-9]`, a month one of [`MONTHS`]; when several parses
/// end the window, the one that starts first counts. Parsed backwards by
/// hand: a regex over all the month names took longer to build than most
/// inputs take to scan.
pub(crate) fn text_date_before(window: &[u8]) -> Option<TextDate> {
    let space = space_run_start(window, window.len())?;
    day_first(window, space)
        .into_iter()
        .chain(month_first(window, space))
        .min_by_key(|d| d.start)
}

/// The day-first form, whose last whitespace starts at `space`.
fn day_first(w: &[u8], space: usize) -> Option<TextDate> {
    optional_de(w, space)
        .flat_map(|end| optional_byte(w, end, b','))
        .flat_map(|end| optional_byte(w, end, b'.'))
        .filter_map(|month_end| {
            // After whitespace, the month is the whole word.
            let month_start = w[..month_end].iter().rposition(|&b| is_space(b))? + 1;
            let month = month_named(&w[month_start..month_end])?;
            optional_de(w, space_run_start(w, month_start)?)
                .flat_map(|end| optional_suffix(w, end, &[b".", b"er", b"st", b"nd", b"rd", b"th"]))
                .filter_map(|day_end| {
                    let (start, day) = day_ending(w, day_end)?;
                    word_boundary(w, start).then_some(TextDate { start, day, month })
                })
                .min_by_key(|d| d.start)
        })
        .min_by_key(|d| d.start)
}

/// The month-first form, whose last whitespace starts at `space`.
fn month_first(w: &[u8], space: usize) -> Option<TextDate> {
    optional_byte(w, space, b',')
        .flat_map(|end| optional_suffix(w, end, &[b"st", b"nd", b"rd", b"th"]))
        .filter_map(|day_end| {
            let (day_start, day) = day_ending(w, day_end)?;
            optional_byte(w, space_run_start(w, day_start)?, b'.')
                .flat_map(|month_end| {
                    MONTHS.iter().filter_map(move |&(name, month)| {
                        let start = strip_suffix_ci(w, month_end, name.as_bytes())?;
                        word_boundary(w, start).then_some(TextDate { start, day, month })
                    })
                })
                .min_by_key(|d| d.start)
        })
        .min_by_key(|d| d.start)
}

/// `\s` with Unicode off: ASCII whitespace, vertical tab included.
const fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Whether `\b` holds before `w[i]`.
fn word_boundary(w: &[u8], i: usize) -> bool {
    let left = i > 0 && is_word(w[i - 1]);
    left != w.get(i).is_some_and(|&b| is_word(b))
}

/// The start of the whitespace that ends at `end`, if there is some.
fn space_run_start(w: &[u8], end: usize) -> Option<usize> {
    let start = w[..end]
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(0, |last| last + 1);
    (start < end).then_some(start)
}

/// Where `suffix` starts, if `w[..end]` ends with it (ASCII letters in any
/// case).
fn strip_suffix_ci(w: &[u8], end: usize, suffix: &[u8]) -> Option<usize> {
    let start = end.checked_sub(suffix.len())?;
    w[start..end].eq_ignore_ascii_case(suffix).then_some(start)
}

/// The ends left by an optional `byte` before `end`: without and with it.
fn optional_byte(w: &[u8], end: usize, byte: u8) -> impl Iterator<Item = usize> {
    let taken = (end > 0 && w[end - 1] == byte).then(|| end - 1);
    core::iter::once(end).chain(taken)
}

/// The same for an optional `de` with the whitespace before it; `end` is
/// where the whitespace after it starts.
fn optional_de(w: &[u8], end: usize) -> impl Iterator<Item = usize> {
    let taken = strip_suffix_ci(w, end, b"de").and_then(|de| space_run_start(w, de));
    core::iter::once(end).chain(taken)
}

/// The same for one of the optional `suffixes` of a day.
fn optional_suffix<'a>(
    w: &'a [u8],
    end: usize,
    suffixes: &'a [&'a [u8]],
) -> impl Iterator<Item = usize> + 'a {
    let taken = suffixes
        .iter()
        .filter_map(move |s| strip_suffix_ci(w, end, s));
    core::iter::once(end).chain(taken)
}

/// A day, `[0-3]?[0-9]`, that is the whole run of digits ending at `end`:
/// its start and value.
fn day_ending(w: &[u8], end: usize) -> Option<(usize, u32)> {
    let digit = |i: usize| w.get(i).copied().filter(u8::is_ascii_digit);
    let last = digit(end.checked_sub(1)?)?;
    let tens = end.checked_sub(2).and_then(digit);
    let start = match tens {
        Some(t) if t > b'3' => return None,
        Some(_) => end - 2,
        None => end - 1,
    };
    if start.checked_sub(1).and_then(digit).is_some() {
        return None;
    }
    let tens = tens.map_or(0, |t| u32::from(t - b'0'));
    Some((start, tens * 10 + u32::from(last - b'0')))
}

/// The number of the month `word` names exactly (ASCII letters in any
/// case).
fn month_named(word: &[u8]) -> Option<u32> {
    MONTHS
        .iter()
        .find(|(m, _)| word.eq_ignore_ascii_case(m.as_bytes()))
        .map(|&(_, n)| n)
}

/// The context patterns of a process, each compiled on its first search:
/// most text never needs some of them (a short text often none), and
/// compiling the label patterns is most of what a short run costs.
#[derive(Debug)]
pub(crate) struct Patterns {
    dob: Suffix,
    phone: Suffix,
    ssn: Suffix,
    reference: Suffix,
    /// A date-of-birth keyword anywhere (for [`Patterns::dob_label_far`]).
    dob_word: Suffix,
    /// The latest year of birth taken for one ([`MIN_AGE`]).
    latest_birth_year: u32,
}

impl Patterns {
    /// The label patterns, not compiled yet.
    pub(crate) fn new() -> Self {
        let labelled = |words: &str| Suffix::new(format!(r"(?-u)(?:{words})\w*{GLUE}"));
        Self {
            dob: labelled(DOB_WORDS),
            phone: labelled(PHONE_WORDS),
            ssn: labelled(SSN_WORDS),
            reference: Suffix::new(format!(r"(?-u)(?:{REFERENCE_WORDS})\w*{REFERENCE_GLUE}")),
            dob_word: Suffix::new(format!(r"(?-u){DOB_WORDS}")),
            latest_birth_year: u32::try_from(crate::time::Timestamp::now().year())
                .unwrap_or(u32::MAX)
                .saturating_sub(MIN_AGE),
        }
    }

    /// Whether `before` (the bytes before a candidate) ends with a date of
    /// birth label.
    pub(crate) fn dob_label(&self, before: &[u8]) -> bool {
        may_end_with_label(before) && self.dob.ends(before, true)
    }

    /// Whether `year` can be the year of birth of a customer ([`MIN_AGE`]).
    pub(crate) fn birth_year(&self, year: u32) -> bool {
        year <= self.latest_birth_year
    }

    /// Whether a date-of-birth label stands in an earlier clause or
    /// sentence of `before` (the [`FAR_WINDOW`] bytes before a date): the
    /// last such keyword, with only prose after it (no field bytes) and no
    /// date of birth already found after it (`found_after` says whether one
    /// was, given an offset in `before`).
    ///
    /// The keyword that starts last is taken, found by one reverse search.
    /// It starts inside the one a forward search would find last or right
    /// at its end, and keywords hold neither field bytes nor the digits
    /// that start a date, so measuring from its start answers the same.
    pub(crate) fn dob_label_far(&self, before: &[u8], found_after: impl Fn(usize) -> bool) -> bool {
        let start = match self.dob_word.last_start(before) {
            Ok(Some(start)) => start,
            Ok(None) => return false,
            // Fail closed: a date that may be labelled is redacted.
            Err(()) => return true,
        };
        let between = &before[start..];
        !between.iter().any(|b| FIELD_BYTES.contains(b)) && !found_after(start)
    }

    /// Whether `before` ends with a phone label.
    pub(crate) fn phone_label(&self, before: &[u8]) -> bool {
        may_end_with_label(before) && self.phone.ends(before, true)
    }

    /// Whether `before` ends with a social security number label.
    pub(crate) fn ssn_label(&self, before: &[u8]) -> bool {
        may_end_with_label(before) && self.ssn.ends(before, true)
    }

    /// Whether `before` ends with an order, parcel or other reference
    /// label.
    pub(crate) fn reference_label(&self, before: &[u8]) -> bool {
        // A reference label keeps a card from being redacted: if the
        // search could fail, that must not count as one.
        may_end_with_label(before) && self.reference.ends(before, false)
    }
}

/// A pattern that must match a suffix of the haystack: a lazy DFA over the
/// reversed pattern, searched backwards from the end of the haystack and
/// anchored there, stopping at the first match.
///
/// Only the reverse automaton is built. A `$`-anchored
/// [`Regex`](regex::bytes::Regex) searches
/// the same way but also builds the forward automata and extracts literals
/// for prefilters that an end-anchored search never uses: building these
/// patterns that way took most of a short run's time.
///
/// Matching is ASCII case-insensitive, but the pattern is not: the search
/// runs over a copy of the haystack in lower case, and the keywords are
/// written in lower case. The same pattern compiled with `(?i)` answers
/// the same (the tests check it), yet case folding made compiling the
/// patterns half again as dear, on every run.
struct Suffix {
    pattern: String,
    /// The DFA, built on the first search.
    dfa: OnceLock<DFA>,
    /// One search cache per thread, with no word shared between threads
    /// written on a search (see `Caches`).
    caches: Caches,
}

impl Suffix {
    fn new(pattern: String) -> Self {
        Self {
            pattern,
            dfa: OnceLock::new(),
            caches: Caches::default(),
        }
    }

    /// Builds `pattern`, with the byte semantics of `regex::bytes` (a
    /// class may match any byte, and matches need not be valid UTF-8).
    fn build(pattern: &str) -> Result<DFA, Box<BuildError>> {
        DFA::builder()
            .syntax(syntax::Config::new().utf8(false))
            .thompson(thompson::Config::new().reverse(true).utf8(false))
            .build(pattern)
            .map_err(Box::new)
    }

    /// The DFA, built now if this is the first search.
    fn dfa(&self) -> &DFA {
        self.dfa.get_or_init(|| {
            // Invariant: the patterns are constants of this crate, and the
            // unit tests build every one of them.
            #[expect(clippy::expect_used, reason = "constant patterns, built in unit tests")]
            Self::build(&self.pattern).expect("built-in pattern compiles")
        })
    }

    /// Whether the pattern matches a suffix of `hay`; `on_error` if the
    /// search cannot tell. (It always can: the DFA has no quit bytes, its
    /// only word boundary is ASCII, and it never gives up on its cache; the
    /// caller still says which answer fails closed.)
    fn ends(&self, hay: &[u8], on_error: bool) -> bool {
        self.search_rev(hay, Anchored::Yes)
            .map_or(on_error, |found| found.is_some())
    }

    /// Where the match that starts last in `hay` starts, wherever it ends
    /// (its keyword may be followed by anything); `Err` if the search
    /// cannot tell (as for [`Suffix::ends`], it always can).
    fn last_start(&self, hay: &[u8]) -> Result<Option<usize>, ()> {
        self.search_rev(hay, Anchored::No)
            .map(|found| found.map(|m| m.offset()))
            .map_err(|_| ())
    }

    /// The first match a reverse search of `hay` in lower case meets; with
    /// `Anchored::Yes` only one that ends where `hay` ends.
    fn search_rev(&self, hay: &[u8], end: Anchored) -> Result<Option<HalfMatch>, MatchError> {
        let mut buf = [0; LOWERED];
        let hay = lowered(hay, &mut buf);
        let input = Input::new(&*hay).anchored(end).earliest(true);
        let dfa = self.dfa();
        self.caches
            .with(dfa, |cache| dfa.try_search_rev(cache, &input))
    }
}

/// The longest haystack [`lowered`] copies to the stack: every window the
/// detector searches.
const LOWERED: usize = FAR_WINDOW;

/// `hay` with its ASCII letters in lower case, in `buf` when it fits.
fn lowered<'b>(hay: &[u8], buf: &'b mut [u8; LOWERED]) -> Cow<'b, [u8]> {
    match buf.get_mut(..hay.len()) {
        Some(copy) => {
            copy.copy_from_slice(hay);
            copy.make_ascii_lowercase();
            Cow::Borrowed(copy)
        }
        None => Cow::Owned(hay.to_ascii_lowercase()),
    }
}

impl core::fmt::Debug for Suffix {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Suffix").finish_non_exhaustive()
    }
}

/// A cheap necessary condition for the written-out date pattern, checked
/// before it (a phone number's last group `… 123 1990` is settled here):
/// after the trailing whitespace, the window ends with a month name, `de`
/// or a day's suffix (a letter or a non-ASCII byte), with `.` or `,` after
/// one, or with a day of one or two digits after whitespace.
pub(crate) fn may_end_with_text_date(window: &[u8]) -> bool {
    let Some(last) = window.iter().rposition(|&b| !is_space(b)) else {
        return false;
    };
    if last + 1 == window.len() {
        return false;
    }
    let b = window[last];
    if b.is_ascii_alphabetic() || !b.is_ascii() || b == b'.' || b == b',' {
        return true;
    }
    let run = window[..=last]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (1..=2).contains(&run) && last + 1 > run && is_space(window[last - run])
}

/// A cheap necessary condition for every label pattern, checked before the
/// regex: a label match (keyword, the rest of its identifier and the glue)
/// is a suffix of `before` made of letters, digits, `_`, whitespace,
/// `:=\"'<>()[]#.,-` and non-ASCII bytes, and its keyword has an ASCII
/// letter or a non-ASCII byte. So the longest such suffix must hold one.
/// This settles `HTTP/1.1" 200 4756` (a status and a size in an access log)
/// in a few steps instead of a regex search.
fn may_end_with_label(before: &[u8]) -> bool {
    for &b in before.iter().rev() {
        if b.is_ascii_alphabetic() || !b.is_ascii() {
            return true;
        }
        let allowed = b.is_ascii_digit()
            || b.is_ascii_whitespace()
            || b == 0x0b
            || matches!(
                b,
                b'_' | b':'
                    | b'='
                    | b'"'
                    | b'\''
                    | b'<'
                    | b'>'
                    | b'('
                    | b')'
                    | b'['
                    | b']'
                    | b'#'
                    | b'.'
                    | b','
                    | b'-'
            );
        if !allowed {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use regex::bytes::{Regex, RegexBuilder};

    use super::*;

    fn patterns() -> Patterns {
        Patterns::new()
    }

    /// The patterns are compiled on their first search, where an error
    /// could only panic: each must compile.
    #[test]
    fn every_pattern_compiles() {
        let p = patterns();
        for suffix in [&p.dob, &p.phone, &p.ssn, &p.reference, &p.dob_word] {
            if let Err(e) = Suffix::build(&suffix.pattern) {
                panic!("{}: {e}", suffix.pattern);
            }
        }
    }

    /// The keywords are matched against windows in lower case: one written
    /// with a capital would never match.
    #[test]
    fn keywords_are_written_in_lower_case() {
        for words in [
            DOB_WORDS,
            PHONE_WORDS,
            SSN_WORDS,
            REFERENCE_WORDS,
            REFERENCE_GLUE,
        ] {
            assert_eq!(words, words.to_ascii_lowercase());
        }
    }

    /// The grammar of [`text_date_before`] as a regex, the oracle its
    /// parser is checked against. Groups: day, month or month, day.
    fn text_date_regex() -> &'static Regex {
        static REGEX: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
            let mut names: Vec<&str> = MONTHS.iter().map(|(m, _)| *m).collect();
            // Longest first, so that `juni` does not win over `junio`.
            names.sort_by_key(|m| core::cmp::Reverse(m.chars().count()));
            let months = names.join("|");
            RegexBuilder::new(&format!(
                r"(?i-u)(?:\b([0-3]?[0-9])(?:\.|er|st|nd|rd|th)?\s+(?:de\s+)?({months})\.?,?\s+(?:de\s+)?|\b({months})\.?\s+([0-3]?[0-9])(?:st|nd|rd|th)?,?\s+)$"
            ))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
        });
        &REGEX
    }

    /// What the oracle finds at the end of `window`.
    fn text_date_by_regex(window: &[u8]) -> Option<TextDate> {
        let caps = text_date_regex().captures(window)?;
        let (day, month) = match (caps.get(1), caps.get(2), caps.get(3), caps.get(4)) {
            (Some(d), Some(m), _, _) | (_, _, Some(m), Some(d)) => (d, m),
            _ => return None,
        };
        Some(TextDate {
            start: caps.get(0)?.start(),
            day: day
                .as_bytes()
                .iter()
                .fold(0, |a, &b| a * 10 + u32::from(b - b'0')),
            month: month_named(month.as_bytes())?,
        })
    }

    #[test]
    fn labels_match_at_the_end_only() {
        let p = patterns();
        assert!(p.dob_label(b"\"dateOfBirth\":\""));
        assert!(p.dob_label("Je suis né le ".as_bytes()));
        assert!(p.dob_label("Родился ".as_bytes()));
        assert!(p.dob_label("生年月日：".as_bytes()));
        assert!(!p.dob_label(b"birth_date=1990-01-01 order_date="));
        assert!(!p.dob_label(b"Order date was "));
        assert!(!p.dob_label(b"location=\"Nascimento, BR\" eta="));
        assert!(p.dob_label("Date de naissance : ".as_bytes()));
        assert!(p.phone_label("電話番号は".as_bytes()));
        assert!(p.phone_label("Appelez-moi au ".as_bytes()));
        assert!(p.ssn_label(b"US-Sozialversicherungsnummer (SSN) "));
        assert!(p.reference_label(b"the parcel "));
        assert!(p.reference_label(b"ref: "));
        assert!(!p.reference_label(b"refund "));
        assert!(p.reference_label(b"Order no. "));
        assert!(!p.reference_label(b"your order was charged to "));
        assert!(p.phone_label(b"contact_phone=\""));
        assert!(p.phone_label(b"Sie erreichen mich unter "));
        assert!(p.phone_label("тел. ".as_bytes()));
        assert!(p.dob_label("födelsedatum ".as_bytes()));
        assert!(!p.phone_label(b"order number "));
        assert!(p.ssn_label(b"us_ssn="));
        assert!(p.ssn_label("SSN américain ".as_bytes()));
        assert!(version_label(b"build="));
        assert!(version_label(b"\"app_version\":\""));
        assert!(version_label(b"Chrome/"));
        assert!(version_label(b"(X11; Linux i686; rv:"));
        assert!(version_label(b"v"));
        assert!(!version_label(b"src_ip="));
        assert!(!version_label(b"server="));
        assert!(!version_label(b""));
    }

    #[test]
    fn label_prefilter_agrees_with_the_patterns() {
        let p = patterns();
        // Nothing a label could be made of after the last `/`.
        assert!(!may_end_with_label(b"GET /api/orders/06342144 HTTP/1.1\" "));
        assert!(!p.phone_label(b"GET /api/orders/06342144 HTTP/1.1\" "));
        assert!(!may_end_with_label(b""));
        assert!(!may_end_with_label(b"12 - 34 "));
        // Whenever a pattern matches, the prefilter lets it through.
        for window in [
            &b"phone: "[..],
            b"tel.:\x0b",
            b"ref #",
            b"order no. ",
            b"us_ssn=",
            b"birth_date1=",
            "電話番号は".as_bytes(),
            "тел. ".as_bytes(),
        ] {
            assert!(may_end_with_label(window), "{window:?}");
        }
        assert!(p.phone_label(b"tel.:\x0b"));
        assert!(p.reference_label(b"ref #"));
        assert!(p.dob_label(b"birth_date1="));
    }

    #[test]
    fn text_date_prefilter_agrees_with_the_pattern() {
        for window in [
            &b"12. Juli "[..],
            b"2 de febrero de ",
            b"August 2, ",
            b"on March 3rd\x0b",
            b"Juli 12 ",
            "ao\u{fb}t 3\t".as_bytes(),
            b"le 14 juillet\t",
            "12 декабря ".as_bytes(),
        ] {
            assert!(may_end_with_text_date(window), "{window:?}");
            assert!(text_date_before(window).is_some(), "{window:?}");
            assert_eq!(text_date_before(window), text_date_by_regex(window));
        }
        for window in [
            &b"+49 171 123 "[..],
            b"Juli",
            b"",
            b"  ",
            b"x 123 ",
            b"12 ",
            b"| ",
        ] {
            assert!(!may_end_with_text_date(window), "{window:?}");
            assert_eq!(text_date_before(window), None, "{window:?}");
            assert_eq!(text_date_by_regex(window), None, "{window:?}");
        }
    }

    #[test]
    fn month_names() {
        assert_eq!(month_number("Juli"), Some(7));
        assert_eq!(month_number("AOÛT"), Some(8));
        assert_eq!(month_number("декабря"), Some(12));
        assert_eq!(month_number("smarch"), None);
        let date = text_date_before(b"Nac\xc3\xad el 2 de febrero de ");
        assert_eq!(
            date,
            Some(TextDate {
                start: 9,
                day: 2,
                month: 2
            })
        );
        // Non-ASCII letters are not folded, as in the patterns.
        assert_eq!(text_date_before("3 AOÛT ".as_bytes()), None);
        assert_eq!(text_date_before(b"May 5th, ").map(|d| d.day), Some(5));
    }

    proptest::proptest! {
        /// A [`Suffix`] answers as the same pattern anchored with `$` in a
        /// `regex::bytes::Regex` does: windows built from keywords, glue,
        /// digits and bytes that are not UTF-8.
        #[test]
        fn suffix_search_agrees_with_an_end_anchored_regex(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("phone".to_string()),
                    proptest::strategy::Just("Geburtsdatum".to_string()),
                    proptest::strategy::Just("né le".to_string()),
                    proptest::strategy::Just("order".to_string()),
                    proptest::strategy::Just("SSN".to_string()),
                    proptest::strategy::Just("no.".to_string()),
                    proptest::strategy::Just("電話".to_string()),
                    "[:= \"'#()\\[\\]_-]{1,2}",
                    "[A-Za-z]{1,5}",
                    "[0-9]{1,3}",
                    "[\\x{80}-\\x{7ff}]",
                ],
                0..12,
            ),
            cut in 0..3usize,
        ) {
            let window = parts.concat();
            // Cutting a byte or two off may leave half a character.
            let hay = &window.as_bytes()[..window.len().saturating_sub(cut)];
            static PAIRS: std::sync::LazyLock<Vec<(Suffix, Regex)>> =
                std::sync::LazyLock::new(|| {
                    let p = patterns();
                    [p.dob, p.phone, p.ssn, p.reference]
                        .into_iter()
                        .map(|suffix| {
                            // Case-insensitive, as the search over the
                            // window in lower case should be.
                            let regex = Regex::new(&format!("(?i){}$", suffix.pattern))
                                .unwrap_or_else(|e| panic!("{e}"));
                            (suffix, regex)
                        })
                        .collect()
                });
            for (suffix, regex) in PAIRS.iter() {
                proptest::prop_assert_eq!(suffix.ends(hay, false), regex.is_match(hay), "{:?}", hay);
            }
        }

        /// The far date-of-birth check, measured from the keyword that
        /// starts last, answers as the forward search for the last keyword
        /// measured from its end: windows of keywords (overlapping ones
        /// too: `出生日期`), field bytes, prose and digits, with a date of
        /// birth found at one of the digits or none.
        #[test]
        fn far_label_agrees_with_the_last_keyword_of_a_forward_search(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("birth".to_string()),
                    proptest::strategy::Just("DOB".to_string()),
                    proptest::strategy::Just("geb.".to_string()),
                    proptest::strategy::Just("出生日期".to_string()),
                    proptest::strategy::Just("生日".to_string()),
                    proptest::strategy::Just("née le".to_string()),
                    "[=\"{}|\t<>\\[\\]]",
                    "[a-z]{1,4}",
                    "[ .,]{1,2}",
                    "[0-9]{1,2}",
                ],
                0..10,
            ),
            found_at in proptest::option::of(0..64usize),
        ) {
            let window = parts.concat();
            let hay = window.as_bytes();
            // A date of birth found starts at a digit.
            let found = found_at.filter(|&f| hay.get(f).is_some_and(u8::is_ascii_digit));
            let found_after = |from: usize| found.is_some_and(|f| f >= from);
            static WORD: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
                Regex::new(&format!(r"(?i-u){DOB_WORDS}")).unwrap_or_else(|e| panic!("{e}"))
            });
            let oracle = WORD.find_iter(hay).last().is_some_and(|last| {
                !hay[last.end()..].iter().any(|b| FIELD_BYTES.contains(b)) && !found_after(last.end())
            });
            proptest::prop_assert_eq!(patterns().dob_label_far(hay, found_after), oracle, "{:?}", window);
        }

        /// The prefilter never turns away a window the written-out date
        /// pattern matches: windows built from day numbers, month names,
        /// `de`, suffixes, punctuation and every kind of ASCII whitespace.
        #[test]
        fn text_date_prefilter_never_rejects_a_match(
            noise in proptest::collection::vec(
                proptest::prop_oneof![
                    "[0-9]{1,4}",
                    "[.,|#-]",
                    "[ \t\n\x0b\x0c\r]{1,2}",
                    "[a-zé]{1,3}",
                ],
                0..4,
            ),
            month in "(Juli|août|février|March|de)[.]?,?[ \t\x0b\x0c]{1,2}",
            day in "[0-3]?[0-9](st|th|er|[.])?,?[ \t\x0b]{1,2}",
            order in 0..4usize,
        ) {
            // Both orders of day and month, either alone, after noise.
            let tail = match order {
                0 => format!("{month}{day}"),
                1 => format!("{day}{month}"),
                2 => month,
                _ => day,
            };
            let parts = [noise.concat(), " ".into(), tail];
            let window = parts.concat();
            if text_date_before(window.as_bytes()).is_some() {
                proptest::prop_assert!(may_end_with_text_date(window.as_bytes()), "{window:?}");
            }
        }

        /// The hand-written parser finds the same date, start, day and
        /// month as the grammar written as a regex: both forms with every
        /// optional part present or not, near misses (no whitespace, a
        /// third digit, a word for a suffix), month names in mixed case,
        /// after and before noise (words, digits, stops, bytes that are
        /// not UTF-8).
        #[test]
        fn text_date_parser_agrees_with_the_regex(
            noise in proptest::collection::vec(
                proptest::prop_oneof![
                    "[0-9]{1,3}",
                    "(de|De|x|st)",
                    "[.,:_-]",
                    "[ \t\n\x0b\x0c\r]{1,2}",
                    "[a-zé]{1,3}",
                    "[\\x{80}-\\x{7ff}]",
                ],
                0..4,
            ),
            month in proptest::strategy::Strategy::prop_map(
                (0..MONTHS.len(), proptest::bool::ANY),
                |(k, upper)| {
                    let name = MONTHS[k].0;
                    if upper { name.to_ascii_uppercase() } else { name.to_string() }
                },
            ),
            day in proptest::prop_oneof![4 => "[0-3]?[0-9]", 1 => "[0-9]{2,3}"],
            suffix in proptest::prop_oneof![2 => "", 1 => "([.]|er|St|nd|RD|th|x)"],
            spaces in proptest::collection::vec(proptest::prop_oneof![6 => "[ \t\x0b]{1,2}", 1 => ""], 3),
            de in proptest::collection::vec("(|de |De\t|de|x )", 2),
            stops in proptest::prop_oneof![proptest::strategy::Just(("", "")), proptest::strategy::Just((".", "")), proptest::strategy::Just(("", ",")), proptest::strategy::Just((".", ","))],
            month_first in proptest::bool::ANY,
            tail in proptest::prop_oneof![4 => "", 1 => "( |x| de |[.] )"],
            cut in proptest::prop_oneof![3 => 0..1usize, 1 => 1..2usize],
        ) {
            let (dot, comma) = stops;
            let date = if month_first {
                [&month, dot, &spaces[0], &day, &suffix, comma, &spaces[1]].concat()
            } else {
                [&day, &suffix, &spaces[0], &de[0], &month, dot, comma, &spaces[1], &de[1]].concat()
            };
            let parts = [noise.concat(), spaces[2].clone(), date, tail];
            let window = parts.concat();
            let hay = &window.as_bytes()[..window.len().saturating_sub(cut)];
            proptest::prop_assert_eq!(text_date_before(hay), text_date_by_regex(hay), "{:?}", hay);
        }
    }
}
