//! IP addresses.

use core::fmt::{self, Write as _};
use core::str::FromStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::mask::BULLET;
use super::{Category, PiiError, PiiKind, Reason, impl_pii, private::Sealed};

/// An IPv4 or IPv6 address (category: engagement), as seen in session and
/// access records.
///
/// Parsed with the standard library's strict parser (no leading zeros in
/// IPv4 octets, no zone ids). An IPv4-mapped IPv6 address stays IPv6.
///
/// Masked to its network part: the /24 of an IPv4 address (`192.0.2.•`)
/// and the /48 of an IPv6 address (`2001:db8:85a3:•`), the granularity
/// commonly used to anonymize addresses in analytics.
///
/// ```
/// use custodian::pii::IpAddress;
///
/// let v4 = IpAddress::parse("203.0.113.42")?;
/// assert_eq!(v4.to_string(), "203.0.113.•");
/// let v6 = IpAddress::parse("2001:DB8:85A3::8A2E:370:7334")?;
/// assert_eq!(v6.to_string(), "2001:db8:85a3:•");
/// assert_eq!(v6.expose().to_string(), "2001:db8:85a3::8a2e:370:7334");
/// # Ok::<(), custodian::pii::PiiError>(())
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct IpAddress {
    octets: [u8; 16],
    v4: bool,
    /// The masked form, rendered once at parse time so that `Display` is a
    /// single write (benches/mask.rs). At most `xxxx:xxxx:xxxx:•`.
    mask: [u8; MASK_CAPACITY],
    mask_len: u8,
}

/// `ffff:ffff:ffff:` plus the 3-byte bullet.
const MASK_CAPACITY: usize = 18;

impl IpAddress {
    /// Parses an IPv4 or IPv6 address.
    ///
    /// # Errors
    ///
    /// A [`PiiError`] of kind `ip_address`: [`Reason::Empty`], or
    /// [`Reason::MalformedPart`] (`address`) for anything the standard
    /// library's parser refuses.
    pub fn parse(input: &str) -> Result<Self, PiiError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(err(Reason::Empty));
        }
        input
            .parse::<IpAddr>()
            .map(Self::from_ip)
            .map_err(|_| err(Reason::MalformedPart { part: "address" }))
    }

    fn from_ip(ip: IpAddr) -> Self {
        let (octets, v4) = match ip {
            IpAddr::V4(v4) => {
                let mut octets = [0; 16];
                octets[..4].copy_from_slice(&v4.octets());
                (octets, true)
            }
            IpAddr::V6(v6) => (v6.octets(), false),
        };
        let mut value = Self {
            octets,
            v4,
            mask: [0; MASK_CAPACITY],
            mask_len: 0,
        };
        value.render_mask();
        value
    }

    /// Renders the network part: the first three octets of IPv4 in
    /// decimal, or the first three 16-bit groups of IPv6 in hexadecimal,
    /// then the bullet.
    fn render_mask(&mut self) {
        let mut out = MaskWriter {
            buf: [0; MASK_CAPACITY],
            len: 0,
        };
        for i in 0..3 {
            let written = if self.v4 {
                write!(out, "{}.", self.octets[i])
            } else {
                write!(
                    out,
                    "{:x}:",
                    u16::from_be_bytes([self.octets[2 * i], self.octets[2 * i + 1]])
                )
            };
            // MASK_CAPACITY fits the longest network part.
            debug_assert!(written.is_ok());
        }
        let _ = out.write_str(BULLET);
        self.mask = out.buf;
        self.mask_len = out.len;
    }

    /// The address, in plaintext.
    ///
    /// # Security
    ///
    /// The one way to the full address; the returned value is a copy that
    /// this crate does not zeroize.
    pub fn expose(&self) -> IpAddr {
        if self.v4 {
            IpAddr::V4(Ipv4Addr::new(
                self.octets[0],
                self.octets[1],
                self.octets[2],
                self.octets[3],
            ))
        } else {
            IpAddr::V6(Ipv6Addr::from(self.octets))
        }
    }

    /// Whether this is an IPv4 address.
    pub const fn is_ipv4(&self) -> bool {
        self.v4
    }

    fn canonical(&self) -> &[u8] {
        if self.v4 {
            &self.octets[..4]
        } else {
            &self.octets
        }
    }
}

fn err(reason: Reason) -> PiiError {
    PiiError::new(PiiKind::IpAddress, reason)
}

impl FromStr for IpAddress {
    type Err = PiiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for IpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Rendered from ASCII digits and a bullet, so always UTF-8.
        let mask = core::str::from_utf8(&self.mask[..usize::from(self.mask_len)])
            .map_err(|_| fmt::Error)?;
        f.write_str(mask)
    }
}

/// A fixed-size `fmt::Write` target for [`IpAddress::render_mask`].
struct MaskWriter {
    buf: [u8; MASK_CAPACITY],
    len: u8,
}

impl fmt::Write for MaskWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let start = usize::from(self.len);
        let end = start + s.len();
        let slot = self.buf.get_mut(start..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = u8::try_from(end).map_err(|_| fmt::Error)?;
        Ok(())
    }
}

impl Sealed for IpAddress {
    /// Canonical form: the 4 or 16 address bytes in network order.
    fn with_canonical<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.canonical())
    }

    fn from_canonical(bytes: &[u8]) -> Result<Self, PiiError> {
        let ip = match bytes.len() {
            4 => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
            16 => {
                let mut octets = [0; 16];
                octets.copy_from_slice(bytes);
                IpAddr::V6(Ipv6Addr::from(octets))
            }
            _ => return Err(err(Reason::MalformedPart { part: "encoding" })),
        };
        Ok(Self::from_ip(ip))
    }
}

impl_pii!(IpAddress, PiiKind::IpAddress, Category::Engagement);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_families_and_round_trips_canonical_bytes() {
        for ok in [
            "0.0.0.0",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "::ffff:192.0.2.1",
            " 10.0.0.1 ",
        ] {
            let ip = IpAddress::parse(ok).expect(ok);
            let back = ip
                .with_canonical(IpAddress::from_canonical)
                .expect("canonical");
            assert_eq!(ip, back);
            assert_eq!(
                ip.expose(),
                ok.trim().parse::<IpAddr>().expect("std parses")
            );
        }
    }

    #[test]
    fn rejects_what_std_rejects() {
        for bad in [
            "256.0.0.1",
            "1.2.3",
            "01.2.3.4",
            "1.2.3.4.5",
            "fe80::1%eth0",
            "00:1a:2b:3c:4d:5e",
            "5.39.159",
            "::g",
        ] {
            assert_eq!(
                IpAddress::parse(bad).map_err(|e| e.reason()),
                Err(Reason::MalformedPart { part: "address" }),
                "{bad}"
            );
        }
        assert_eq!(
            IpAddress::parse("").map_err(|e| e.reason()),
            Err(Reason::Empty)
        );
        assert!(IpAddress::from_canonical(&[1, 2, 3]).is_err());
    }

    #[test]
    fn masks_to_the_network_part() {
        assert_eq!(
            IpAddress::parse("192.0.2.255").expect("v4").to_string(),
            "192.0.2.•"
        );
        assert_eq!(IpAddress::parse("::1").expect("v6").to_string(), "0:0:0:•");
        let v6 = IpAddress::parse("2001:db8::1").expect("v6");
        assert_eq!(format!("{v6:?}"), "IpAddress(2001:db8:0:•)");
    }

    #[test]
    fn v4_and_mapped_v6_differ() {
        let a = IpAddress::parse("192.0.2.1").expect("v4");
        let b = IpAddress::parse("::ffff:192.0.2.1").expect("v6");
        assert_ne!(a, b);
    }
}
