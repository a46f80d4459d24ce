//! The migration naming convention.
//!
//! The default pattern is `{timestamp}_{description}`: a 14-digit
//! `YYYYMMDDHHMMSS` that forms a real date and time, then lower-case
//! letters, digits and underscores. A project can set another pattern in
//! `migsafe.toml` from the placeholders `{timestamp}`, `{number}`,
//! `{description}` and `{any}` and literal text, e.g. `{number}_{description}`.

use std::fmt;

pub const DEFAULT_PATTERN: &str = "{timestamp}_{description}";

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Timestamp,
    Number,
    Description,
    Any,
    Literal(String),
}

/// A parsed naming pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePattern {
    source: String,
    pieces: Vec<Piece>,
}

impl Default for NamePattern {
    fn default() -> Self {
        // The default pattern is valid; parsing cannot fail.
        Self::parse(DEFAULT_PATTERN).unwrap_or(Self {
            source: DEFAULT_PATTERN.to_owned(),
            pieces: vec![
                Piece::Timestamp,
                Piece::Literal("_".into()),
                Piece::Description,
            ],
        })
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl NamePattern {
    /// Parses a pattern; the error names the unknown placeholder.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let Some(close) = after.find('}') else {
                    return Err(format!("unclosed `{{` in naming pattern `{s}`"));
                };
                let p = match &after[..close] {
                    "timestamp" => Piece::Timestamp,
                    "number" | "version" => Piece::Number,
                    "description" => Piece::Description,
                    "any" => Piece::Any,
                    other => {
                        return Err(format!(
                            "unknown placeholder `{{{other}}}` in naming pattern `{s}`; expected {{timestamp}}, {{number}}, {{description}} or {{any}}"
                        ));
                    }
                };
                pieces.push(p);
                rest = &after[close + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                pieces.push(Piece::Literal(rest[..end].to_owned()));
                rest = &rest[end..];
            }
        }
        Ok(Self {
            source: s.to_owned(),
            pieces,
        })
    }

    pub fn is_default(&self) -> bool {
        self.source == DEFAULT_PATTERN
    }

    /// Checks a migration name; the error says what is wrong.
    pub fn check(&self, name: &str) -> Result<(), String> {
        if matches(&self.pieces, name) {
            return Ok(());
        }
        Err(self.explain(name))
    }

    fn explain(&self, name: &str) -> String {
        if self.pieces.first() == Some(&Piece::Timestamp) {
            let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
            if digits.len() != 14 {
                return format!(
                    "it must start with a 14-digit timestamp `YYYYMMDDHHMMSS`, not `{digits}`"
                );
            }
            if let Err(e) = valid_timestamp(&digits) {
                return format!("its timestamp `{digits}` is not a real date and time: {e}");
            }
            let rest = &name[14..];
            let Some(desc) = rest.strip_prefix('_') else {
                return "the timestamp must be followed by `_` and a description".to_owned();
            };
            if desc.is_empty() {
                return "the description after the timestamp is empty".to_owned();
            }
            if let Some(c) = desc.chars().find(|c| !is_desc_char(*c)) {
                return format!(
                    "its description may hold only lower-case letters, digits and underscores, not `{c}`"
                );
            }
        }
        format!("it does not match the naming pattern `{}`", self.source)
    }
}

fn is_desc_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

/// Whether `s` matches the pattern. The set of positions reachable after
/// each piece is computed in one pass over `s` per piece: time linear in
/// `pieces × s`, whatever the pattern (`{any}{any}{any}…` used to
/// backtrack exponentially).
fn matches(pieces: &[Piece], s: &str) -> bool {
    let n = s.len();
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    for piece in pieces {
        let mut next = vec![false; n + 1];
        match piece {
            Piece::Literal(l) => {
                for p in (0..=n).filter(|&p| reach[p]) {
                    if s.get(p..).is_some_and(|r| r.starts_with(l.as_str())) {
                        next[p + l.len()] = true;
                    }
                }
            }
            Piece::Timestamp => {
                for p in (0..=n).filter(|&p| reach[p]) {
                    if let Some(ts) = s.get(p..p + 14)
                        && ts.bytes().all(|b| b.is_ascii_digit())
                        && valid_timestamp(ts).is_ok()
                    {
                        next[p + 14] = true;
                    }
                }
            }
            Piece::Number | Piece::Description | Piece::Any => {
                let ok = |c: char| match piece {
                    Piece::Number => c.is_ascii_digit(),
                    Piece::Description => is_desc_char(c),
                    _ => true,
                };
                // One or more characters of the class: a run is open at a
                // position when it started at a reachable one and every
                // character since is of the class.
                let mut open = false;
                for (i, c) in s.char_indices() {
                    open |= reach[i];
                    if open && ok(c) {
                        next[i + c.len_utf8()] = true;
                    } else {
                        open = false;
                    }
                }
            }
        }
        if !next.iter().any(|&b| b) {
            return false;
        }
        reach = next;
    }
    reach[n]
}

/// Validates `YYYYMMDDHHMMSS`.
pub fn valid_timestamp(ts: &str) -> Result<(), String> {
    if ts.len() != 14 || !ts.chars().all(|c| c.is_ascii_digit()) {
        return Err("expected 14 digits".to_owned());
    }
    let n = |r: std::ops::Range<usize>| ts[r].parse::<u32>().unwrap_or(0);
    let (y, mo, d, h, mi, s) = (n(0..4), n(4..6), n(6..8), n(8..10), n(10..12), n(12..14));
    if !(1..=12).contains(&mo) {
        return Err(format!("month {mo:02} does not exist"));
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if d == 0 || d > days {
        return Err(format!("day {d:02} does not exist in {y:04}-{mo:02}"));
    }
    if h > 23 {
        return Err(format!("hour {h:02} does not exist"));
    }
    if mi > 59 {
        return Err(format!("minute {mi:02} does not exist"));
    }
    if s > 59 {
        return Err(format!("second {s:02} does not exist"));
    }
    Ok(())
}

/// A name that follows the default convention, derived from a bad one:
/// lower case, runs of other characters as `_`.
pub fn suggest_description(desc: &str) -> String {
    let mut out = String::new();
    let mut prev_us = true;
    let mut prev_lower = false;
    for c in desc.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower && !prev_us {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_us = false;
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_us = false;
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else if !prev_us {
            out.push('_');
            prev_us = true;
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_owned()
}

/// The leading version digits of a name (`20260101000000` of
/// `20260101000000_init`), used to order migrations and find duplicates.
pub fn version_of(name: &str) -> Option<&str> {
    let end = name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(name.len());
    (end > 0).then(|| &name[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_any_any_is_linear_not_exponential() {
        // 40 `{any}` then a literal that never matches: the old
        // backtracking matcher tried every split of the name.
        let pat = NamePattern::parse(&format!("{}!", "{any}".repeat(40))).unwrap();
        let name = "x".repeat(2000);
        assert!(pat.check(&name).is_err());
        assert!(pat.check(&format!("{}!", "x".repeat(40))).is_ok());
        assert!(pat.check(&format!("{}!", "x".repeat(39))).is_err());
        let p = NamePattern::parse("{number}_{any}_{description}").unwrap();
        assert!(p.check("12_Ä b_c_d").is_ok());
        assert!(p.check("12__c").is_err());
    }

    #[test]
    fn default_pattern() {
        let p = NamePattern::default();
        assert!(p.check("20260104000000_drop_legacy").is_ok());
        assert!(p.check("20240229235959_leap_day").is_ok());
        for (bad, why) in [
            ("2026010400000_x", "14-digit"),
            ("20261304000000_x", "month 13"),
            ("20230229000000_x", "day 29 does not exist in 2023-02"),
            ("20260104240000_x", "hour 24"),
            ("20260104006000_x", "minute 60"),
            ("20260104000000", "followed by `_`"),
            ("20260104000000_", "empty"),
            ("20260104000000_Add-Users", "not `A`"),
            ("20260104000000_add users", "not ` `"),
        ] {
            let e = p.check(bad).err().unwrap_or_default();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn custom_patterns() {
        let p = NamePattern::parse("{number}_{description}").unwrap_or_default();
        assert!(p.check("0001_create_users").is_ok());
        assert!(p.check("0188").is_err());
        let p = NamePattern::parse("V{number}__{any}").unwrap_or_default();
        assert!(p.check("V12__Create Users").is_ok());
        assert!(NamePattern::parse("{date}_{x}").is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_description("Add-Users table"), "add_users_table");
        assert_eq!(suggest_description("addUserEmail"), "add_user_email");
    }
}
