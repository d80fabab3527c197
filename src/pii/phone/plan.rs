//! Numbering plans: libphonenumber's metadata, compiled once per region, and
//! libphonenumber's rules for reading a number against it.
//!
//! The metadata is the one the `phonenumber` crate carries (libphonenumber
//! metadata 9.0.33); only its tables are used. The reading rules follow
//! libphonenumber's `PhoneNumberUtil` (`parseHelper`, `isValidNumber`,
//! `getNumberType`) step by step, over the digits that
//! [`super::scan`] kept. Each step names the libphonenumber method it
//! mirrors, so a difference can be traced.
//!
//! The `phonenumber` crate's own parser is not used: it strips a national
//! prefix again after an international prefix (`+7 800 …` loses its `8`),
//! accepts numbers longer than their type allows, and serializes every
//! pattern match through one global regex cache of 100 entries.

use std::collections::HashMap;
use std::sync::OnceLock;

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};
use zeroize::Zeroizing;

use super::PhoneType;
use crate::pii::Reason;

/// libphonenumber `MIN_LENGTH_FOR_NSN` and `MAX_LENGTH_FOR_NSN`.
const MIN_NSN: usize = 2;
const MAX_NSN: usize = 17;
/// libphonenumber `MAX_LENGTH_COUNTRY_CODE`.
const MAX_CODE_DIGITS: usize = 3;
/// The region id libphonenumber gives non-geographic numbering plans
/// (`+800`, `+882`, ...).
const NON_GEOGRAPHIC: &str = "001";

/// A number read against a plan: its calling code and national significant
/// number (libphonenumber `PhoneNumber`, without extension).
pub(super) struct Number {
    pub(super) code: u16,
    pub(super) national: Zeroizing<String>,
}

/// What the plan says about a valid number.
pub(super) struct Verdict {
    /// libphonenumber's region id: ISO 3166 alpha-2, or `AC`, `TA`, `XK`,
    /// or `001` for non-geographic plans.
    pub(super) region: &'static str,
    pub(super) kind: PhoneType,
}

/// One description of numbers (general, fixed line, mobile, ...): the
/// national significant numbers it matches in full, and their lengths.
struct Desc {
    pattern: Regex,
    lengths: Vec<u16>,
    local_lengths: Vec<u16>,
}

/// One region's metadata with its patterns compiled.
struct Plan {
    code: u16,
    idd: Option<Regex>,
    national_prefix: Option<Regex>,
    transform: Option<String>,
    leading_digits: Option<Regex>,
    general: Desc,
    /// The special types in the order `getNumberTypeHelper` tries them.
    special: Vec<(PhoneType, Desc)>,
    fixed_line: Option<Desc>,
    mobile: Option<Desc>,
    same_fixed_and_mobile: bool,
}

/// A region's metadata and its plan, compiled on first use: compiling all
/// of them up front would cost every process the patterns of 250 regions.
struct Slot {
    meta: &'static Metadata,
    plan: OnceLock<Option<Plan>>,
}

impl Slot {
    fn plan(&self) -> Option<&Plan> {
        self.plan.get_or_init(|| compile(self.meta).ok()).as_ref()
    }
}

struct Plans {
    regions: HashMap<&'static str, Slot>,
    non_geographic: HashMap<u16, Slot>,
    /// Region ids per calling code, the main region first, then in the
    /// metadata's order (libphonenumber `countryCallingCodeToRegionCodeMap`).
    by_code: HashMap<u16, Vec<&'static str>>,
}

fn plans() -> &'static Plans {
    static PLANS: OnceLock<Plans> = OnceLock::new();
    PLANS.get_or_init(|| {
        let database = &*DATABASE;
        let slot = |meta| Slot {
            meta,
            plan: OnceLock::new(),
        };
        let mut plans = Plans {
            regions: HashMap::new(),
            non_geographic: HashMap::new(),
            by_code: HashMap::new(),
        };
        // The database keys non-geographic plans by one shared id, so they
        // are found through their calling codes (1 to 3 digits).
        for code in 1..=999 {
            let Some(regions) = database.region(&code) else {
                continue;
            };
            for meta in database.by_code(&code).unwrap_or_default() {
                if meta.id() == NON_GEOGRAPHIC {
                    plans.non_geographic.insert(code, slot(meta));
                } else {
                    plans.regions.insert(meta.id(), slot(meta));
                }
            }
            plans.by_code.insert(code, regions);
        }
        plans
    })
}

fn region_plan(id: &str) -> Option<&'static Plan> {
    plans().regions.get(id)?.plan()
}

/// libphonenumber `getMetadataForRegionOrCallingCode`.
fn plan_for(code: u16, region: &str) -> Option<&'static Plan> {
    if region == NON_GEOGRAPHIC {
        plans().non_geographic.get(&code)?.plan()
    } else {
        region_plan(region)
    }
}

/// The region libphonenumber reads a calling code's numbers with
/// (`getRegionCodeForCountryCode`): the main region of the code.
fn main_region(code: u16) -> Option<&'static str> {
    plans().by_code.get(&code)?.first().copied()
}

/// The main geographic region of a calling code, if it has one.
pub(super) fn region_of_code(code: u16) -> Option<&'static str> {
    main_region(code).filter(|r| *r != NON_GEOGRAPHIC)
}

fn compile(meta: &'static Metadata) -> Result<Plan, regex::Error> {
    let descriptors = meta.descriptors();
    let child = |d: Option<&Descriptor>| d.map(desc).transpose();
    let special = [
        (PhoneType::PremiumRate, descriptors.premium_rate()),
        (PhoneType::TollFree, descriptors.toll_free()),
        (PhoneType::SharedCost, descriptors.shared_cost()),
        (PhoneType::Voip, descriptors.voip()),
        (PhoneType::PersonalNumber, descriptors.personal_number()),
        (PhoneType::Pager, descriptors.pager()),
        (PhoneType::Uan, descriptors.uan()),
        (PhoneType::Voicemail, descriptors.voicemail()),
    ];
    let mut children: Vec<&Descriptor> = special.iter().filter_map(|(_, d)| *d).collect();
    children.extend(descriptors.fixed_line());
    children.extend(descriptors.mobile());
    let pattern_of = |d: Option<&Descriptor>| d.map(|d| squeeze(d.national_number().as_str()));
    Ok(Plan {
        code: meta.country_code(),
        idd: meta
            .international_prefix()
            .map(|r| prefix(r.as_str()))
            .transpose()?,
        // BuildMetadataFromXml: without its own pattern for parsing, the
        // national prefix itself is the pattern.
        national_prefix: meta
            .national_prefix_for_parsing()
            .map(|r| r.as_str().to_owned())
            .or_else(|| meta.national_prefix().map(regex::escape))
            .map(|p| prefix(&p))
            .transpose()?,
        transform: meta.national_prefix_transform_rule().map(braced_groups),
        leading_digits: meta
            .leading_digits()
            .map(|r| prefix(r.as_str()))
            .transpose()?,
        general: general(descriptors.general(), &children)?,
        special: special
            .iter()
            .filter_map(|(kind, d)| d.map(|d| desc(d).map(|d| (*kind, d))))
            .collect::<Result<_, _>>()?,
        fixed_line: child(descriptors.fixed_line())?,
        mobile: child(descriptors.mobile())?,
        same_fixed_and_mobile: pattern_of(descriptors.fixed_line())
            == pattern_of(descriptors.mobile()),
    })
}

/// The general description's lengths are not in the XML: libphonenumber's
/// build derives them as the union of the other descriptions' lengths, with
/// local-only lengths that are not also national lengths.
fn general(d: &Descriptor, children: &[&Descriptor]) -> Result<Desc, regex::Error> {
    let mut lengths: Vec<u16> = children
        .iter()
        .flat_map(|c| c.possible_length())
        .copied()
        .collect();
    lengths.sort_unstable();
    lengths.dedup();
    let mut local_lengths: Vec<u16> = children
        .iter()
        .flat_map(|c| c.possible_local_length())
        .copied()
        .filter(|l| !lengths.contains(l))
        .collect();
    local_lengths.sort_unstable();
    local_lengths.dedup();
    Ok(Desc {
        pattern: whole(d.national_number().as_str())?,
        lengths,
        local_lengths,
    })
}

fn desc(d: &Descriptor) -> Result<Desc, regex::Error> {
    Ok(Desc {
        pattern: whole(d.national_number().as_str())?,
        lengths: d.possible_length().to_vec(),
        local_lengths: d.possible_local_length().to_vec(),
    })
}

/// The XML spreads patterns over lines; libphonenumber's build removes the
/// whitespace.
fn squeeze(pattern: &str) -> String {
    pattern.split_ascii_whitespace().collect()
}

fn build(pattern: &str) -> Result<Regex, regex::Error> {
    // Inputs are ASCII digits only, so ASCII classes suffice and keep the
    // automata small.
    RegexBuilder::new(pattern).unicode(false).build()
}

/// A pattern that must match the whole text (Java `Matcher.matches`).
fn whole(pattern: &str) -> Result<Regex, regex::Error> {
    build(&format!("^(?:{})$", squeeze(pattern)))
}

/// A pattern that must match at the start (Java `Matcher.lookingAt`).
fn prefix(pattern: &str) -> Result<Regex, regex::Error> {
    build(&format!("^(?:{})", squeeze(pattern)))
}

/// Java's `$1` group references, written `${1}` so that a digit after one
/// is not read as part of the group number.
fn braced_groups(rule: &str) -> String {
    let mut out = String::with_capacity(rule.len() + 4);
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('{');
            if let Some(d) = chars.next() {
                out.push(d);
            }
            out.push('}');
        }
    }
    out
}

impl Desc {
    /// libphonenumber `isNumberMatchingDesc`: a listed length, then the
    /// pattern.
    fn matches(&self, national: &str) -> bool {
        let length = national.len();
        (self.lengths.is_empty() || self.lengths.iter().any(|&l| usize::from(l) == length))
            && self.pattern.is_match(national)
    }
}

/// libphonenumber `ValidationResult`, as far as parsing needs it.
#[derive(PartialEq, Eq)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

impl Plan {
    /// libphonenumber `matchNationalNumber` against the general pattern (no
    /// length check).
    fn viable(&self, national: &str) -> bool {
        self.general.pattern.is_match(national)
    }

    /// libphonenumber `testNumberLength` for type UNKNOWN.
    fn length(&self, national: &str) -> Length {
        let length = national.len();
        let has = |set: &[u16]| set.iter().any(|&l| usize::from(l) == length);
        let lengths = &self.general.lengths;
        match (lengths.first(), lengths.last()) {
            _ if has(&self.general.local_lengths) => Length::LocalOnly,
            (Some(&min), _) if usize::from(min) > length => Length::TooShort,
            (_, Some(&max)) if usize::from(max) < length => Length::TooLong,
            (Some(_), _) if has(lengths) => Length::Possible,
            _ => Length::Invalid,
        }
    }

    /// libphonenumber `maybeStripNationalPrefixAndCarrierCode`, without
    /// keeping the carrier code. Returns the number with the prefix
    /// stripped (or transformed), or `None` where it stays as it is.
    fn strip_national_prefix(&self, national: &str) -> Option<String> {
        let prefix = self.national_prefix.as_ref()?;
        let captures = prefix.captures(national)?;
        let whole = captures.get(0)?;
        let viable = self.viable(national);
        // Java's `group(groupCount())`: the whole match when the pattern
        // has no groups.
        let last_group = captures.get(captures.len() - 1);
        let stripped = match (&self.transform, last_group) {
            (Some(rule), Some(_)) => prefix.replacen(national, 1, rule.as_str()).into_owned(),
            _ => national[whole.end()..].to_owned(),
        };
        // A viable number stays as it is when stripping would make it
        // unviable: the "prefix" was part of the number.
        (!viable || self.viable(&stripped)).then_some(stripped)
    }

    /// libphonenumber `getNumberTypeHelper`.
    fn kind(&self, national: &str) -> Option<PhoneType> {
        if !self.general.matches(national) {
            return None;
        }
        if let Some((kind, _)) = self.special.iter().find(|(_, d)| d.matches(national)) {
            return Some(*kind);
        }
        let matches = |d: &Option<Desc>| d.as_ref().is_some_and(|d| d.matches(national));
        if matches(&self.fixed_line) {
            return Some(if self.same_fixed_and_mobile || matches(&self.mobile) {
                PhoneType::FixedLineOrMobile
            } else {
                PhoneType::FixedLine
            });
        }
        (!self.same_fixed_and_mobile && matches(&self.mobile)).then_some(PhoneType::Mobile)
    }
}

/// How the calling code was found (libphonenumber `CountryCodeSource`).
enum Source {
    Plus,
    Idd,
    Default,
}

/// Reads `digits` (ASCII digits only; `plus` when the input began with
/// `+`) the way libphonenumber's `parse(number, region)` does.
///
/// # Errors
///
/// The [`Reason`] for each of libphonenumber's parse failures.
pub(super) fn read(plus: bool, digits: &str, region: Option<&str>) -> Result<Number, Reason> {
    // checkRegionForParsing: without a known region only `+` numbers parse.
    let region_plan = match region {
        Some(id) => match region_plan(id) {
            Some(plan) => Some(plan),
            None if plus => None,
            None => return Err(Reason::UnknownCountry),
        },
        None if plus => None,
        None => return Err(Reason::MissingCountryCode),
    };
    let extracted = match country_code(plus, digits, region_plan) {
        // parseHelper: a `+` followed by no known calling code is read
        // again without the `+` (`+00 44 …` with region GB).
        Err(Reason::MalformedPart { .. }) if plus => {
            match country_code(false, digits, region_plan)? {
                Some(found) => Ok(Some(found)),
                None => Err(unknown_code()),
            }
        }
        other => other,
    }?;
    let (code, national, plan) = match extracted {
        Some((code, national)) => {
            let plan = main_region(code).and_then(|r| plan_for(code, r));
            (code, national, plan)
        }
        None => {
            let plan = region_plan.ok_or(Reason::MissingCountryCode)?;
            (plan.code, Zeroizing::new(digits.to_owned()), Some(plan))
        }
    };
    if national.len() < MIN_NSN {
        return Err(too_short());
    }
    let national = match plan.and_then(|p| Some((p, p.strip_national_prefix(&national)?))) {
        Some((plan, stripped))
            if !matches!(plan.length(&stripped), Length::TooShort | Length::LocalOnly) =>
        {
            Zeroizing::new(stripped)
        }
        _ => national,
    };
    if national.len() < MIN_NSN {
        return Err(too_short());
    }
    if national.len() > MAX_NSN {
        return Err(Reason::TooLong {
            max: MAX_NSN,
            unit: "digits",
        });
    }
    Ok(Number { code, national })
}

fn too_short() -> Reason {
    Reason::TooShort {
        min: MIN_NSN,
        unit: "digits",
    }
}

fn unknown_code() -> Reason {
    Reason::MalformedPart {
        part: "country calling code",
    }
}

/// libphonenumber `maybeExtractCountryCode`: the calling code and the rest,
/// or `None` when the number is national.
fn country_code(
    plus: bool,
    digits: &str,
    region: Option<&Plan>,
) -> Result<Option<(u16, Zeroizing<String>)>, Reason> {
    let (source, full) = if plus {
        (Source::Plus, digits)
    } else {
        match region.and_then(|p| strip_idd(p, digits)) {
            Some(rest) => (Source::Idd, rest),
            None => (Source::Default, digits),
        }
    };
    match source {
        Source::Plus | Source::Idd => {
            if full.len() <= MIN_NSN {
                return Err(too_short());
            }
            extract_code(full)
                .map(|(code, rest)| Some((code, Zeroizing::new(rest.to_owned()))))
                .ok_or_else(unknown_code)
        }
        Source::Default => Ok(region.and_then(|plan| own_code_written(plan, full))),
    }
}

/// libphonenumber `parsePrefixAsIdd`: strips an international prefix
/// unless a `0` follows it (no calling code starts with 0).
fn strip_idd<'a>(plan: &Plan, digits: &'a str) -> Option<&'a str> {
    let end = plan.idd.as_ref()?.find(digits)?.end();
    let rest = &digits[end..];
    (!rest.starts_with('0')).then_some(rest)
}

/// libphonenumber `extractCountryCode`: calling codes are prefix-free, so
/// the first known one of 1 to 3 digits is it.
fn extract_code(full: &str) -> Option<(u16, &str)> {
    if full.starts_with('0') {
        return None;
    }
    (1..=MAX_CODE_DIGITS.min(full.len())).find_map(|n| {
        let code: u16 = full[..n].parse().ok()?;
        plans()
            .by_code
            .contains_key(&code)
            .then(|| (code, &full[n..]))
    })
}

/// A national number that begins with its region's own calling code
/// (`4930…` read in DE): libphonenumber takes the code off when the number
/// is not viable with it but is without it, or is too long with it.
fn own_code_written(plan: &Plan, full: &str) -> Option<(u16, Zeroizing<String>)> {
    let code = plan.code.to_string();
    let rest = full.strip_prefix(code.as_str())?;
    let potential = plan
        .strip_national_prefix(rest)
        .unwrap_or_else(|| rest.to_owned());
    let better = !plan.viable(full) && plan.viable(&potential);
    (better || plan.length(full) == Length::TooLong).then(|| (plan.code, Zeroizing::new(potential)))
}

/// libphonenumber `isValidNumber` and `getNumberType`: the region whose
/// plan the number belongs to and its type, or why it is not valid.
///
/// # Errors
///
/// [`Reason::TooShort`] / [`Reason::TooLong`] when the length is outside
/// the plan's lengths, [`Reason::NotInNumberingPlan`] otherwise.
pub(super) fn judge(number: &Number) -> Result<Verdict, Reason> {
    let national = number.national.as_str();
    let verdict = region_for(number.code, national).and_then(|region| {
        let plan = plan_for(number.code, region)?;
        let kind = (plan.code == number.code).then(|| plan.kind(national))??;
        Some(Verdict { region, kind })
    });
    verdict.ok_or_else(|| invalid_reason(number))
}

/// libphonenumber `getRegionCodeForNumber`.
fn region_for(code: u16, national: &str) -> Option<&'static str> {
    match plans().by_code.get(&code)?.as_slice() {
        [only] => Some(*only),
        regions => regions.iter().copied().find(|&region| {
            region_plan(region).is_some_and(|plan| match &plan.leading_digits {
                Some(leading) => leading.is_match(national),
                None => plan.kind(national).is_some(),
            })
        }),
    }
}

/// Why an invalid number is invalid, by libphonenumber
/// `isPossibleNumberWithReason` for the code's main region.
fn invalid_reason(number: &Number) -> Reason {
    let plan = main_region(number.code).and_then(|r| plan_for(number.code, r));
    let Some(plan) = plan else {
        return unknown_code();
    };
    let lengths = &plan.general.lengths;
    match plan.length(&number.national) {
        Length::TooShort | Length::LocalOnly => Reason::TooShort {
            min: lengths.first().map_or(MIN_NSN, |&l| usize::from(l)),
            unit: "digits",
        },
        Length::TooLong => Reason::TooLong {
            max: lengths.last().map_or(MAX_NSN, |&l| usize::from(l)),
            unit: "digits",
        },
        Length::Possible | Length::Invalid => Reason::NotInNumberingPlan,
    }
}

/// Every region libphonenumber knows, with the example national numbers its
/// metadata gives per type; for tests.
#[cfg(test)]
pub(super) fn examples() -> Vec<(&'static str, u16, &'static str)> {
    let mut out = Vec::new();
    for (&id, slot) in plans().regions.iter() {
        let d = slot.meta.descriptors();
        for desc in [
            d.fixed_line(),
            d.mobile(),
            d.toll_free(),
            d.premium_rate(),
            d.shared_cost(),
            d.personal_number(),
            d.voip(),
            d.pager(),
            d.uan(),
            d.voicemail(),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(example) = desc.example() {
                out.push((id, slot.meta.country_code(), example));
            }
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plan_compiles() {
        let plans = plans();
        assert!(plans.regions.len() > 240, "{}", plans.regions.len());
        for (id, slot) in plans
            .regions
            .iter()
            .chain(plans.non_geographic.values().map(|s| (&NON_GEOGRAPHIC, s)))
        {
            let plan = slot.plan().unwrap_or_else(|| panic!("{id} compiles"));
            assert!(!plan.general.lengths.is_empty(), "{id}");
            // Every geographic region has an international prefix, so the
            // "no pattern" case of parsePrefixAsIdd never arises.
            assert!(plan.idd.is_some() || *id == NON_GEOGRAPHIC, "{id}");
        }
    }

    #[test]
    fn group_references_are_braced() {
        assert_eq!(braced_groups("9$1"), "9${1}");
        assert_eq!(braced_groups("0549$1"), "0549${1}");
        assert_eq!(braced_groups("$2"), "${2}");
        assert_eq!(braced_groups("1$"), "1$");
    }

    #[test]
    fn main_regions_come_first() {
        assert_eq!(main_region(1), Some("US"));
        assert_eq!(main_region(7), Some("RU"));
        assert_eq!(main_region(44), Some("GB"));
        assert_eq!(main_region(800), Some(NON_GEOGRAPHIC));
        assert_eq!(region_of_code(800), None);
        assert_eq!(main_region(999), None);
    }
}
