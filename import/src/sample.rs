//! A deterministic lead CSV for benchmarks (issue 10's file): about 200 bytes a row, ~2% bad
//! emails, ~2% bad phones, ~3% duplicates of an earlier good row. The same `rows` always give
//! the same bytes, and the expected counts are known without reading the file back.

use std::io::{self, BufWriter, Write};
use std::path::Path;

const FIRST: [&str; 12] = [
    "Priya", "Rajesh", "Anita", "Vikram", "Sunita", "Arjun", "Meera", "Rahul", "Kavya", "Sanjay",
    "Zoë", "José",
];
const LAST: [&str; 10] = [
    "Sharma", "Kumar", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Das", "Singh", "Rao",
];
const CITIES: [&str; 6] = [
    "Mumbai",
    "Pune",
    "Bengaluru",
    "Chennai",
    "Delhi",
    "Hyderabad",
];
pub const HEADER: &str = "First Name,Last Name,Email,Phone,City,Address,Company,Job Title,Notes";

/// What a generated row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Good,
    BadEmail,
    BadPhone,
    /// A copy of the earlier good row with this index.
    DuplicateOf(u64),
}

fn mix(mut x: u64) -> u64 {
    // splitmix64: a row's randomness from its index alone.
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub fn kind(row: u64) -> Kind {
    match mix(row) % 100 {
        0 | 1 => Kind::BadEmail,
        2 | 3 => Kind::BadPhone,
        4..=6 if row > 0 => {
            let mut earlier = row - 1 - mix(row ^ 0xdead) % row.min(5_000);
            while kind(earlier) != Kind::Good {
                if earlier == 0 {
                    return Kind::Good;
                }
                earlier -= 1;
            }
            Kind::DuplicateOf(earlier)
        }
        _ => Kind::Good,
    }
}

fn write_row(out: &mut impl Write, row: u64, kind: Kind) -> io::Result<()> {
    let r = mix(row ^ 0x5eed);
    let first = FIRST[(r % 12) as usize];
    let last = LAST[(r / 12 % 10) as usize];
    let city = CITIES[(r / 120 % 6) as usize];
    let email_local = format!("{}.{}{row}", first.to_lowercase(), last.to_lowercase());
    let phone = 9_800_000_000 + row % 100_000_000;
    let (a, b) = (phone / 100_000, phone % 100_000);
    match kind {
        Kind::BadEmail => write!(out, "{first},{last},{email_local}.example.com,")?,
        _ => write!(out, "{first},{last},{email_local}@example{}.com,", row % 50)?,
    }
    match kind {
        Kind::BadPhone => write!(out, "12345,")?,
        _ if r.is_multiple_of(3) => write!(out, "+91 {a} {b:05},")?,
        _ => write!(out, "{a} {b:05},")?,
    }
    writeln!(
        out,
        "{city},\"Flat {}, Tower {}, Sea View Road, Andheri West\",Acme Realty Pvt Ltd,Sales Manager,\"Looking for a 2BHK near the station, budget flexible\"",
        row % 997,
        row
    )
}

/// Expected outcome of a generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expected {
    pub rows: u64,
    pub accepted: u64,
    pub bad_email: u64,
    pub bad_phone: u64,
    pub duplicates: u64,
}

/// Writes `rows` rows after the header.
pub fn write_leads(path: &Path, rows: u64) -> io::Result<Expected> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(out, "{HEADER}")?;
    let mut expected = Expected {
        rows,
        ..Expected::default()
    };
    for row in 0..rows {
        let kind = kind(row);
        match kind {
            Kind::Good => {
                expected.accepted += 1;
                write_row(&mut out, row, kind)?;
            }
            Kind::BadEmail => {
                expected.bad_email += 1;
                write_row(&mut out, row, kind)?;
            }
            Kind::BadPhone => {
                expected.bad_phone += 1;
                write_row(&mut out, row, kind)?;
            }
            Kind::DuplicateOf(earlier) => {
                expected.duplicates += 1;
                write_row(&mut out, earlier, Kind::Good)?;
            }
        }
    }
    out.flush()?;
    Ok(expected)
}
