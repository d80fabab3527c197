//! Names in free text: the name that signs a message off.
//!
//! A name has no shape a scanner could check: in prose any capitalised
//! word may be one, and a detector that guessed would redact products,
//! places and the start of every sentence. One place holds a name almost
//! surely: the end of a message, after a sign-off (`Regards, Jason`,
//! `Viele Grüße, Hans-Peter`, `Cordialement, Céline`, `Saludos, María
//! José`, `Regards, 진우`). So the detector takes a name there, and only
//! there:
//!
//! ```text
//! sign-off  [,!.:;–—-]?  (title)?  name  [.!"')]{0,3}  end of the line
//! ```
//!
//! - a *sign-off* is one of [`SIGN_OFFS`] in any ASCII case, at the start
//!   of a word; the short ones that also start ordinary phrases (`best`,
//!   `thanks`, `cheers`, `thank you`) need the punctuation after them
//!   (`Thanks, Ada`, not `Thanks Ada`);
//! - a *name* is one to three words: a capitalised word (`Jason`,
//!   `Hans-Peter`, `O'Brien`, `Élodie`), an initial (`J.`), or a word of a
//!   script without letter case (Hangul, Han, Hebrew, Devanagari, …);
//!   no word may be one of [`NOT_NAMES`] (`Regards, The Support Team`);
//! - an optional *title* (`Dr.`, `Frau`, `Mme`) stands before the name and
//!   is not part of the finding.
//!
//! The end is the end of a line, of a field value or of a text. The
//! e-mail layout with the sign-off alone on its line counts too: a line
//! that is only a name (with an optional title) after a line that is only
//! a sign-off, and any blank lines between (`Kind regards,` then `Marta
//! Kowalska`); also when the two lines fall into different blocks of a
//! redaction on several threads.

use core::ops::Range;

use super::finding::DetectedKind;
use super::scan::Raw;

/// Sign-offs in the languages of the marketplace, in lower case; the
/// `true` ones need punctuation after them.
const SIGN_OFFS: &[(&str, bool)] = &[
    ("regards", false),
    ("best regards", false),
    ("kind regards", false),
    ("warm regards", false),
    ("best wishes", false),
    ("many thanks", true),
    ("thank you", true),
    ("thanks", true),
    ("best", true),
    ("cheers", true),
    ("sincerely", false),
    ("yours sincerely", false),
    ("viele grüße", false),
    ("viele grüsse", false),
    ("liebe grüße", false),
    ("beste grüße", false),
    ("freundliche grüße", false),
    ("mit freundlichen grüßen", false),
    ("grüße", false),
    ("lg", true),
    ("cordialement", false),
    ("bien cordialement", false),
    ("bien à vous", false),
    ("salutations", false),
    ("saludos", false),
    ("un saludo", false),
    ("atentamente", false),
    ("saluti", false),
    ("cordiali saluti", false),
    ("distinti saluti", false),
    ("groeten", false),
    ("met vriendelijke groet", false),
    ("cumprimentos", false),
    ("atenciosamente", false),
    ("obrigado", true),
    ("obrigada", true),
    ("pozdrawiam", false),
    ("hälsningar", false),
    ("med vänliga hälsningar", false),
    ("mvh", false),
];

/// Words that follow a sign-off but name no one, in lower case.
const NOT_NAMES: &[&str] = &[
    "team",
    "support",
    "service",
    "services",
    "customer",
    "customers",
    "care",
    "the",
    "all",
    "again",
    "everyone",
    "everybody",
    "there",
    "guys",
    "folks",
    "you",
    "so",
    "much",
    "in",
    "advance",
    "for",
    "a",
    "and",
    "sir",
    "madam",
    "staff",
    "admin",
    "seller",
    "shop",
    "store",
    "friends",
    "regards",
    "wishes",
    "thanks",
    "cheers",
    "mate",
    "anyway",
    "zusammen",
    "tous",
    "todos",
    "tutti",
    "equipo",
    "équipe",
    "kundenservice",
    "kundendienst",
    "order",
    "orders",
    "details",
    "summary",
    "subject",
    "invoice",
    "receipt",
    "note",
    "sent",
    "from",
    "to",
    "dear",
    "hi",
    "hello",
    "hey",
    "hallo",
    "liebe",
    "lieber",
    "bonjour",
    "hola",
    "ciao",
];

/// Titles that may stand before the name, in lower case (without a
/// trailing `.`).
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "prof", "herr", "frau", "mme", "mlle", "m", "sr", "sra",
    "señor", "señora", "sig", "sig.ra", "pan", "pani",
];

/// Most words a name has.
const MAX_WORDS: usize = 3;

/// How many bytes at the end of a line hold the sign-off and the name.
const MAX_TAIL: usize = 128;

/// The name that signs off `line` (a line, a field value or a whole text
/// that ends there), as a finding; `from` as for the scanner (a name
/// starting before it is not reported).
#[inline]
pub(crate) fn sign_off(line: &[u8], from: usize, out: &mut Vec<Raw>) {
    // Most log lines end with a byte no name or closing mark ends with (a
    // brace, a digit): settled before any call.
    let last = line.last().copied().unwrap_or(0);
    if !(last.is_ascii_alphabetic() || last >= 0x80 || b".!\"')\t\r ".contains(&last)) {
        return;
    }
    if let Some(name) = sign_off_name(line).filter(|name| name.start >= from) {
        out.push(finding(name));
    }
}

/// The name that `line` is, as a finding, when the line before it was a
/// sign-off alone ([`signed_after`]).
pub(crate) fn after_sign_off(line: &[u8], out: &mut Vec<Raw>) {
    out.extend(name_line(line).map(finding));
}

fn finding(name: Range<usize>) -> Raw {
    Raw {
        kind: DetectedKind::Person,
        start: name.start,
        end: name.end,
        validator: "sign-off",
    }
}

/// Whether `line` holds a name: one that signs it off, or the line itself
/// when it follows a sign-off alone (`after`).
pub(crate) fn names_someone(line: &[u8], after: bool) -> bool {
    sign_off_name(line).is_some() || (after && name_line(line).is_some())
}

/// The sign-off names in the lines of `text` (for the last line, only one
/// on its own after a sign-off: the scanner reads the end of `text`),
/// appended to `out` in `text`'s offsets.
pub(crate) fn sign_offs_inside(text: &[u8], out: &mut Vec<Raw>) {
    let mut after = false;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text).chain([text.len()]) {
        let line = &text[start..end];
        let at = out.len();
        if end < text.len() {
            sign_off(line, 0, out);
        }
        if after && out.len() == at {
            after_sign_off(line, out);
        }
        for r in &mut out[at..] {
            r.start += start;
            r.end += start;
        }
        after = signed_after(after, line);
        start = end + 1;
    }
}

/// Whether the line after `line` may be a name alone that signs a message
/// off, given whether the line before `line` was so (`signed`): `line` is
/// a sign-off alone (`Kind regards,`), or blank after one.
#[inline]
pub(crate) fn signed_after(signed: bool, line: &[u8]) -> bool {
    // A line that starts and ends with a word and is longer than every
    // sign-off is neither one nor blank: most lines.
    let worded = |b: Option<&u8>| b.is_some_and(|b| !b.is_ascii_whitespace());
    if line.len() > 32 && worded(line.first()) && worded(line.last()) {
        return false;
    }
    let line = line.trim_ascii();
    (signed && line.is_empty()) || bare_sign_off(line)
}

/// Whether `line` (trimmed) is a sign-off alone (`Kind regards,`).
fn bare_sign_off(line: &[u8]) -> bool {
    // The longest sign-off and a mark: most lines are settled by length.
    if line.len() > 32 {
        return false;
    }
    let cue = match line.last() {
        Some(b',' | b'!' | b'.') => line[..line.len() - 1].trim_ascii_end(),
        _ => line,
    };
    SIGN_OFFS
        .iter()
        .any(|&(s, _)| cue.eq_ignore_ascii_case(s.as_bytes()))
}

/// Where the name that `line` alone is (after a title, before closing
/// marks).
fn name_line(line: &[u8]) -> Option<Range<usize>> {
    let (base, end, text) = name_tail(line, name_end(line)?)?;
    // The tail must hold the whole line: a long line is no name alone.
    if !line[..base].trim_ascii().is_empty() {
        return None;
    }
    let lead = text.len() - text.trim_start().len();
    let (name_start, before) = name_before(text)?;
    let before = title_before(before).unwrap_or(before);
    (before.len() <= lead && !has_stop_word(&text[name_start..])).then_some(base + name_start..end)
}

/// Where the name that signs off `line` is.
fn sign_off_name(line: &[u8]) -> Option<Range<usize>> {
    let end = name_end(line)?;
    if !may_sign_off(&line[..end]) {
        return None;
    }
    let (base, end, text) = name_tail(line, end)?;
    let (name_start, before) = name_before(text)?;
    let before = title_before(before).unwrap_or(before);
    let (cue_end, punctuated) = separator_before(before)?;
    let signed = cue_ends(&before[..cue_end], punctuated) && !has_stop_word(&text[name_start..]);
    signed.then_some(base + name_start..end)
}

/// Where a name that ends `line` would end: before trailing whitespace
/// and closing marks. `None` when the last word cannot end a name, which
/// settles most lines in a few steps.
fn name_end(line: &[u8]) -> Option<usize> {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    let mut closing = 0;
    while end > 0 && closing < 3 && matches!(line[end - 1], b'.' | b'!' | b'"' | b'\'' | b')') {
        end -= 1;
        closing += 1;
    }
    // A name ends in a letter, and its last word is capitalised (or not
    // ASCII).
    if end == 0 || !(line[end - 1].is_ascii_alphabetic() || line[end - 1] >= 0x80) {
        return None;
    }
    let word = line[..end]
        .iter()
        .rposition(|b| !b.is_ascii_alphabetic())
        .map_or(0, |i| i + 1);
    let joined = word > 0 && matches!(line[word - 1], b'-' | b'\'' | b'.' | 0x80..);
    (word == end || joined || !line[word].is_ascii_lowercase()).then_some(end)
}

/// A necessary condition for a sign-off before the name that ends `text`,
/// on bytes alone: some sign-off ends right before one of its last few
/// capitalised (or non-ASCII) words and the punctuation or spaces before
/// them. Prose is settled here before any character is decoded.
fn may_sign_off(text: &[u8]) -> bool {
    let mut end = text.len();
    // The name's words, a title, and a dash that bytes cannot tell apart.
    for _ in 0..MAX_WORDS + 2 {
        let start = text[..end]
            .iter()
            .rposition(|&b| !(b.is_ascii_alphabetic() || matches!(b, b'-' | b'\'' | b'.' | 0x80..)))
            .map_or(0, |i| i + 1);
        if start == end || text[start].is_ascii_lowercase() {
            return false;
        }
        let cue_end = text[..start]
            .iter()
            .rposition(|&b| !matches!(b, b' ' | b'\t' | b',' | b'!' | b'.' | b':' | b';' | b'-'))
            .map_or(0, |i| i + 1);
        if ends_with_sign_off(&text[..cue_end]) {
            return true;
        }
        if start == 0 || text[start - 1] != b' ' {
            return false;
        }
        end = start - 1;
    }
    false
}

/// Whether `text` ends with one of the [`SIGN_OFFS`] (ASCII letters in any
/// case), wherever it starts.
fn ends_with_sign_off(text: &[u8]) -> bool {
    let Some(&last) = text.last() else {
        return false;
    };
    let mut cues = CUES_BY_LAST_BYTE[usize::from(last.to_ascii_lowercase())];
    while cues != 0 {
        let cue = SIGN_OFFS[cues.trailing_zeros() as usize].0.as_bytes();
        if text.len() >= cue.len() && text[text.len() - cue.len()..].eq_ignore_ascii_case(cue) {
            return true;
        }
        cues &= cues - 1;
    }
    false
}

/// The [`SIGN_OFFS`] by their last byte: bit `i` for the `i`th.
const CUES_BY_LAST_BYTE: [u64; 256] = {
    assert!(SIGN_OFFS.len() <= 64);
    let mut table = [0u64; 256];
    let mut i = 0;
    while i < SIGN_OFFS.len() {
        let cue = SIGN_OFFS[i].0.as_bytes();
        table[cue[cue.len() - 1] as usize] |= 1 << i;
        i += 1;
    }
    table
};

/// The last bytes of `line` up to `end` (see [`name_end`]), where a
/// sign-off and its name would be: their start, their end and their text.
fn name_tail(line: &[u8], end: usize) -> Option<(usize, usize, &str)> {
    // Sign-off and name are in the last bytes; start that tail at a
    // character.
    let mut base = end.saturating_sub(MAX_TAIL);
    while base < end && line[base] & 0xC0 == 0x80 {
        base += 1;
    }
    let text = core::str::from_utf8(&line[base..end]).ok()?;
    Some((base, end, text))
}

/// The start of the name of one to [`MAX_WORDS`] words that ends `text`,
/// and the text before it.
fn name_before(text: &str) -> Option<(usize, &str)> {
    let mut start = text.len();
    let mut words = 0;
    loop {
        let word_start = word_start_of(&text[..start]);
        if word_start == start || !is_name_word(&text[word_start..start]) {
            break;
        }
        start = word_start;
        words += 1;
        let Some(gap) = text[..start].strip_suffix(' ') else {
            break;
        };
        if words == MAX_WORDS || !gap.ends_with(|c: char| c.is_alphabetic() || c == '.') {
            break;
        }
        // Only a word that is itself part of a name joins it: `Regards,
        // Jason` stops at the comma, `Kind regards Jason` at `regards`.
        let next = &gap[word_start_of(gap)..];
        if !is_name_word(next) || is_title(next) {
            break;
        }
        start -= 1;
    }
    (words > 0).then(|| (start, &text[..start]))
}

/// Where the word at the end of `text` starts: letters, `-`, `'`, `’` and
/// `.`; bytes first, characters only for a word with non-ASCII bytes (most
/// prose ends in ASCII words).
fn word_start_of(text: &str) -> usize {
    let bytes = text.as_bytes();
    let start = bytes
        .iter()
        .rposition(|&b| !(b.is_ascii_alphabetic() || matches!(b, b'-' | b'\'' | b'.' | 0x80..)))
        .map_or(0, |i| i + 1);
    if bytes[start..].is_ascii() {
        return start;
    }
    text.rfind(|c: char| !(c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.')))
        .map_or(0, |i| {
            i + text[i..].chars().next().map_or(1, char::len_utf8)
        })
}

/// Whether `word` may be a word of a name: capitalised (with `-` or `'`
/// joining capitalised parts, `Hans-Peter`, `O'Brien`), an initial (`J.`),
/// or in a script without case. (Whether it is one of [`NOT_NAMES`] is
/// asked of a whole name: [`has_stop_word`].)
fn is_name_word(word: &str) -> bool {
    let bare = word.strip_suffix('.').unwrap_or(word);
    let Some(first) = bare.chars().next() else {
        return false;
    };
    let caseless = first.is_alphabetic() && !first.is_uppercase() && !first.is_lowercase();
    if !(first.is_uppercase() || caseless) || bare.contains('.') {
        return false;
    }
    if caseless {
        return word == bare && bare.chars().all(char::is_alphabetic);
    }
    if word != bare {
        // `J.` and `Hans-H.`: a trailing point only after an initial.
        return bare.chars().count() == 1
            || bare
                .rsplit('-')
                .next()
                .is_some_and(|p| p.chars().count() == 1);
    }
    bare.split(['-', '\'', '’']).all(|part| {
        let mut c = part.chars();
        c.next().is_some_and(char::is_alphabetic) && c.all(char::is_alphabetic)
    })
}

/// Whether a word of `name` is one of [`NOT_NAMES`].
fn has_stop_word(name: &str) -> bool {
    name.split(' ').any(|word| {
        let word = word.strip_suffix('.').unwrap_or(word);
        NOT_NAMES.iter().any(|n| word.eq_ignore_ascii_case(n))
    })
}

/// Whether `word` is one of [`TITLES`], with or without a point.
fn is_title(word: &str) -> bool {
    let bare = word.strip_suffix('.').unwrap_or(word);
    TITLES.iter().any(|t| bare.eq_ignore_ascii_case(t))
}

/// `before` without a title and the space after it, if it ends with one.
fn title_before(before: &str) -> Option<&str> {
    let trimmed = before.strip_suffix(' ')?;
    let start = trimmed.rfind([' ', ',', '\t']).map_or(0, |i| i + 1);
    is_title(&trimmed[start..]).then(|| &before[..start])
}

/// The end of the sign-off before the name, given the text before the
/// name: whitespace and at most one punctuation mark; whether there was
/// one.
fn separator_before(before: &str) -> Option<(usize, bool)> {
    let trimmed = before.trim_end_matches([' ', '\t']);
    let mut punctuated = false;
    let mut end = trimmed.len();
    if let Some(c) = trimmed.chars().next_back() {
        if matches!(c, ',' | '!' | '.' | ':' | ';' | '–' | '—' | '-') {
            punctuated = true;
            end -= c.len_utf8();
        }
    }
    let cue = before[..end].trim_end_matches([' ', '\t']);
    let spaced = cue.len() < end || end < before.len();
    (spaced || punctuated).then_some((cue.len(), punctuated))
}

/// Whether `before` ends with a sign-off that starts a word (and, for the
/// short ones, had punctuation after it).
fn cue_ends(before: &str, punctuated: bool) -> bool {
    SIGN_OFFS.iter().any(|&(cue, needs_punctuation)| {
        let Some(start) = before.len().checked_sub(cue.len()) else {
            return false;
        };
        before.is_char_boundary(start)
            && (punctuated || !needs_punctuation)
            && before[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
            && before.as_bytes()[start..].eq_ignore_ascii_case(cue.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(line: &str) -> Option<&str> {
        sign_off_name(line.as_bytes()).map(|r| &line[r])
    }

    #[test]
    fn sign_offs_give_the_name_after_them() {
        for (line, want) in [
            ("Order 123 never came. Regards, Jason", "Jason"),
            ("Order 123 never came. Regards, Jason.", "Jason"),
            (r#"body="It broke. Regards, Angela Smith""#, "Angela Smith"),
            ("Kam beschädigt an. Viele Grüße, Hans-Peter", "Hans-Peter"),
            ("Geb. 8. Mai 1948! Viele Grüße, Hans-H.", "Hans-H"),
            ("Ne bouge plus. Cordialement, Élodie", "Élodie"),
            ("No ha llegado. Saludos, María José", "María José"),
            ("Kind regards, Dr. Anna Weber", "Anna Weber"),
            ("Best regards - Seán O'Brien  ", "Seán O'Brien"),
            ("Thanks, Ada", "Ada"),
            ("still hasn't arrived. Regards, 진우", "진우"),
            ("arrived damaged. Regards, Иванна", "Иванна"),
            ("Best wishes John F. Kennedy", "John F. Kennedy"),
        ] {
            assert_eq!(name(line), Some(want), "{line}");
        }
    }

    #[test]
    fn other_line_ends_name_no_one() {
        for line in [
            "Regards, The Support Team",
            "Thanks Again",
            "Thanks Ada",
            "Best Regards",
            "Regards, customer care",
            "Thanks 😊",
            "The parcel arrived. Regards",
            "I like the colour Best",
            "my regards to Jason",
            "Disregards, Jason",
            "Regards, jason",
            "Regards, eBay",
            "Regards, Jason 42",
            "Regards,Jason,",
            "",
            "Regards, A.B.C",
        ] {
            assert_eq!(name(line), None, "{line}");
        }
    }

    #[test]
    fn a_name_is_at_most_three_words() {
        assert_eq!(name("Regards, Anna Maria Luisa Weber"), None);
        assert_eq!(name("Regards, Anna Maria Weber"), Some("Anna Maria Weber"));
    }

    #[test]
    fn a_name_alone_after_a_sign_off_alone_signs_the_message() {
        let text = "Hello,\nit broke.\nKind regards,\n\n  Dr. Marta Kowalska \nThanks!\nJason\nRegards\nok\nJo";
        let mut out = Vec::new();
        sign_offs_inside(text.as_bytes(), &mut out);
        let names: Vec<_> = out.iter().map(|r| &text[r.start..r.end]).collect();
        assert_eq!(names, ["Marta Kowalska", "Jason"]);
        for line in [
            "Kind regards,",
            " Best ",
            "Viele Grüße",
            "thanks!",
            "Mit freundlichen Grüßen.",
        ] {
            assert!(signed_after(false, line.as_bytes()), "{line}");
        }
        for line in ["Kind regards, Ada", "Regards to all", "", "regardless,"] {
            assert!(!signed_after(false, line.as_bytes()), "{line}");
        }
        assert!(signed_after(true, b" \r"));
        assert!(!signed_after(false, b""));
        for line in ["Jason", "  Dr. Jo Ann Lee ", "진우"] {
            assert!(name_line(line.as_bytes()).is_some(), "{line}");
        }
        let long = format!("x{}Jason", " ".repeat(MAX_TAIL));
        assert!(name_line(long.as_bytes()).is_none());
        for line in [
            "the team",
            "Order Details",
            "Jason Miller 42",
            "Dear Jason",
            "Anna Maria Luisa Weber",
        ] {
            assert!(name_line(line.as_bytes()).is_none(), "{line}");
        }
    }

    #[test]
    fn every_sign_off_is_found_by_its_last_byte() {
        for (cue, _) in SIGN_OFFS {
            let text = format!("x {}", cue.to_ascii_uppercase());
            assert!(ends_with_sign_off(text.as_bytes()), "{cue}");
        }
        assert!(!ends_with_sign_off(b"the parcel"));
    }

    proptest::proptest! {
        /// The search never panics and what it finds is a suffix of the
        /// line's text up to its closing marks.
        #[test]
        fn any_line_is_safe(line in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            if let Some(r) = sign_off_name(&line) {
                proptest::prop_assert!(r.start < r.end && r.end <= line.len());
            }
            if let Some(r) = name_line(&line) {
                proptest::prop_assert!(r.start < r.end && r.end <= line.len());
            }
        }
    }
}
