//! Connection URLs: redaction of the password, and the parameters migsafe
//! handles itself before the rest goes to the driver.

use std::fmt;

/// The URL with its password replaced by `***`, for messages and logs:
/// `postgres://user:***@host:5432/db`.
///
/// Handles the password in the user information (also when it holds an
/// unencoded `@`, `/`, `:` or `?`), `password=` and `sslpassword=` in the
/// query string, and `password=…` in a `key=value` connection string. Text
/// that is neither is returned unchanged. Never panics.
///
/// ```
/// use migsafe_live::redact;
/// assert_eq!(redact("postgres://app:s3cret@db:5432/shop"), "postgres://app:***@db:5432/shop");
/// assert_eq!(redact("postgres://app@db/shop?password=s3cret"), "postgres://app@db/shop?password=***");
/// assert_eq!(redact("host=db password='s3 cret' user=app"), "host=db password=*** user=app");
/// ```
pub fn redact(url: &str) -> String {
    // A `key=value` string with a password is one even when its password
    // holds `://`.
    if has_key_value_password(url) {
        return redact_key_values(url);
    }
    match split_any_scheme(url) {
        Some((scheme, rest)) => {
            let mut out = String::with_capacity(url.len());
            out.push_str(scheme);
            let (userinfo, after) = split_userinfo(rest);
            if let Some(ui) = userinfo {
                match ui.find(':') {
                    Some(colon) => {
                        out.push_str(&ui[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(ui),
                }
                out.push('@');
            }
            match after.find('?') {
                Some(q) => {
                    out.push_str(&after[..=q]);
                    out.push_str(&redact_query(&after[q + 1..]));
                }
                None => out.push_str(after),
            }
            out
        }
        None => redact_key_values(url),
    }
}

/// `password=` or `sslpassword=` (any case, spaces allowed around `=`) at
/// the start or after whitespace: a `key=value` connection string.
fn has_key_value_password(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let b = lower.as_bytes();
    ["sslpassword", "password"].iter().any(|key| {
        lower.match_indices(key).any(|(i, _)| {
            let at_word_start = i == 0 || b[i - 1].is_ascii_whitespace();
            at_word_start && lower[i + key.len()..].trim_start().starts_with('=')
        })
    })
}

/// Whatever stands before the first `://`, and the rest: a URL of another
/// database, or a mistyped scheme, is redacted as well.
fn split_any_scheme(url: &str) -> Option<(&str, &str)> {
    let sep = url.find("://")?;
    Some((&url[..sep + 3], &url[sep + 3..]))
}

/// `postgres://` or `postgresql://` (any case) and the rest.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let t = url.trim_start();
    let lead = url.len() - t.len();
    for scheme in ["postgresql://", "postgres://"] {
        if t.len() >= scheme.len()
            && t.is_char_boundary(scheme.len())
            && t[..scheme.len()].eq_ignore_ascii_case(scheme)
        {
            let end = lead + scheme.len();
            return Some((&url[..end], &url[end..]));
        }
    }
    None
}

/// The user information (before the `@` that ends it) and the rest.
///
/// The driver takes the user information up to the first `@`; a password
/// with an unencoded `@` would be cut there and its tail read as a host.
/// For redaction the user information runs to the last `@` before the
/// query string (the first `?` after the first `@`), so such a tail is
/// hidden too.
/// The user information and the rest. Everything up to the *last* `@` is
/// taken as user information, wherever the user meant the password to
/// end: a password with an unencoded `@` or `?` is hidden whole (a `@` in
/// the query hides the host too — too much hidden, never too little).
fn split_userinfo(rest: &str) -> (Option<&str>, &str) {
    let Some(last_at) = rest.rfind('@') else {
        return (None, rest);
    };
    (Some(&rest[..last_at]), &rest[last_at + 1..])
}

fn is_secret_key(key: &str) -> bool {
    let k = percent_decode(key).to_ascii_lowercase();
    k.ends_with("password") || k == "sslkey"
}

fn redact_query(query: &str) -> String {
    let mut parts = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some((k, _)) if is_secret_key(k) => parts.push(format!("{k}=***")),
            _ => parts.push(pair.to_owned()),
        }
    }
    parts.join("&")
}

/// `key=value` connection strings: values may be quoted (`'…'` with `\'`
/// and `\\` escapes) and `=` may have spaces around it.
fn redact_key_values(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        // Copy whitespace.
        let ws = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..ws]);
        rest = &rest[ws..];
        if rest.is_empty() {
            return out;
        }
        let key_len = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = &rest[..key_len];
        out.push_str(key);
        rest = &rest[key_len..];
        let before_eq = rest.len() - rest.trim_start().len();
        let after_key = rest.trim_start();
        let Some(value_part) = after_key.strip_prefix('=') else {
            // Not `key=value`: copy up to the next whitespace.
            continue;
        };
        out.push_str(&rest[..before_eq]);
        out.push('=');
        let spaces = value_part.len() - value_part.trim_start().len();
        out.push_str(&value_part[..spaces]);
        let value_part = &value_part[spaces..];
        let value_len = value_length(value_part);
        if is_secret_key(key) {
            out.push_str("***");
        } else {
            out.push_str(&value_part[..value_len]);
        }
        rest = &value_part[value_len..];
    }
}

/// Byte length of a (maybe quoted) value at the start of `s`.
fn value_length(s: &str) -> usize {
    if let Some(body) = s.strip_prefix('\'') {
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '\'' {
                return 1 + i + 1;
            }
        }
        s.len()
    } else {
        let mut escaped = false;
        for (i, c) in s.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c.is_whitespace() {
                return i;
            }
        }
        s.len()
    }
}

/// Decodes `%XX` escapes; invalid escapes are kept as written, invalid
/// UTF-8 is replaced.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `sslmode`, with libpq's six values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// libpq tries without TLS first; migsafe treats it as `prefer`.
    Allow,
    /// TLS when the server offers it, without certificate verification
    /// (libpq's default).
    Prefer,
    /// TLS required, the certificate not verified.
    Require,
    /// TLS required, the certificate chain verified, not the host name.
    VerifyCa,
    /// TLS required, the chain and the host name verified.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// Whether the server's certificate is verified against trusted roots.
    pub fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        })
    }
}

/// Query parameters Prisma reads from its `DATABASE_URL` that mean nothing
/// to PostgreSQL: dropped before the URL goes to the driver.
const PRISMA_ONLY: &[&str] = &[
    "connection_limit",
    "pool_timeout",
    "pgbouncer",
    "socket_timeout",
    "statement_cache_size",
    "sslaccept",
    "sslcert",
    "sslidentity",
    "sslpassword",
    "sslkey",
    "single_use_connections",
    "max_connection_lifetime",
    "max_idle_connection_lifetime",
];

/// A URL taken apart: what migsafe handles itself, and the URL the driver
/// parses (the rest of the query string kept as written).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParsedUrl {
    /// The URL without the parameters handled here.
    pub driver_url: String,
    pub sslmode: Option<SslMode>,
    pub sslrootcert: Option<String>,
    /// Prisma's `schema=`.
    pub schema: Option<String>,
    /// `options=` (decoded), to which migsafe appends its own.
    pub options: Option<String>,
    pub has_connect_timeout: bool,
    /// The password (decoded), so messages can be scrubbed of it.
    pub secrets: Vec<String>,
}

/// Takes the URL apart. Errors are messages without the URL.
pub(crate) fn parse(url: &str) -> Result<ParsedUrl, String> {
    let url = url.trim();
    let Some((scheme, rest)) = split_scheme(url) else {
        return Err("expected a URL starting with `postgres://` or `postgresql://`".to_owned());
    };
    let mut secrets = Vec::new();
    // The driver cuts the user information at the first `@`.
    let first_at = rest.find('@');
    if let Some(first_at) = first_at {
        let (ui, _) = split_userinfo(rest);
        if let Some(ui) = ui {
            if ui.len() != first_at {
                return Err("the user information holds an unencoded `@`".to_owned());
            }
            if let Some((_, pw)) = ui.split_once(':') {
                secrets.push(pw.to_owned());
                secrets.push(percent_decode(pw));
            }
        }
    }
    let q_from = first_at.map_or(0, |a| a + 1);
    let (base, query) = match rest[q_from..].find('?') {
        Some(q) => (&rest[..q_from + q], Some(&rest[q_from + q + 1..])),
        None => (rest, None),
    };
    let mut parsed = ParsedUrl {
        driver_url: String::new(),
        sslmode: None,
        sslrootcert: None,
        schema: None,
        options: None,
        has_connect_timeout: false,
        secrets,
    };
    let mut kept = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(k);
        let value = percent_decode(v);
        match key.as_str() {
            "sslmode" => {
                parsed.sslmode = Some(SslMode::parse(&value).ok_or_else(|| {
                    format!(
                        "invalid sslmode `{value}`: expected disable, allow, prefer, require, \
                         verify-ca or verify-full"
                    )
                })?);
            }
            "sslrootcert" => parsed.sslrootcert = Some(value),
            "schema" => parsed.schema = Some(value),
            "options" => parsed.options = Some(value),
            "application_name" => {}
            "password" => {
                parsed.secrets.push(v.to_owned());
                parsed.secrets.push(value);
                kept.push(pair);
            }
            "connect_timeout" => {
                parsed.has_connect_timeout = true;
                kept.push(pair);
            }
            k if PRISMA_ONLY.contains(&k) => {}
            _ => kept.push(pair),
        }
    }
    parsed.secrets.retain(|s| !s.is_empty());
    parsed.driver_url = format!("{scheme}{base}");
    if !kept.is_empty() {
        parsed.driver_url.push('?');
        parsed.driver_url.push_str(&kept.join("&"));
    }
    Ok(parsed)
}

/// Replaces every secret in `msg` by `***`.
/// A message of the server or the driver, unless it holds a secret of
/// the connection string: then none of it is shown (starring the secret
/// where it stands would tell it — a one-letter password, a fragment).
pub(crate) fn scrub(msg: &str, secrets: &[String]) -> String {
    if secrets
        .iter()
        .any(|s| !s.is_empty() && msg.contains(s.as_str()))
    {
        return "the message is not shown: it contains part of the connection string's password"
            .to_owned();
    }
    msg.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_of_urls() {
        let cases = [
            ("postgres://u:p@h/db", "postgres://u:***@h/db"),
            ("postgresql://u:p@h:5432/db", "postgresql://u:***@h:5432/db"),
            ("POSTGRES://u:p@h/db", "POSTGRES://u:***@h/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h/db", "postgres://h/db"),
            ("postgres://:p@h/db", "postgres://:***@h/db"),
            ("postgres://u:@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p%40ss@h/db", "postgres://u:***@h/db"),
            // Unencoded `@`, `/`, `:`, `?` in the password.
            ("postgres://u:p@ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p/ss@h/db", "postgres://u:***@h/db"),
            // `@` then `?` in the password: none of it shows.
            (
                "postgresql://plain:abc@def?ghi@h/db",
                "postgresql://plain:***@h/db",
            ),
            ("postgres://u:p:ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p?ss@h/db", "postgres://u:***@h/db"),
            // `@` in the query string: the user information might hold it.
            (
                "postgres://u:p@h/db?sslrootcert=/a@b.pem",
                // An `@` in the query hides the host too: too much hidden, never
                // too little (the password might hold that `@`).
                "postgres://u:***@b.pem",
            ),
            (
                "postgres://u@h/db?sslmode=require&password=p&x=1",
                "postgres://u@h/db?sslmode=require&password=***&x=1",
            ),
            (
                "postgres://u@h/db?sslpassword=p",
                "postgres://u@h/db?sslpassword=***",
            ),
            (
                "postgres://u@h/db?pass%77ord=p",
                "postgres://u@h/db?pass%77ord=***",
            ),
            (
                "postgres://u:p@[::1]:5432/db",
                "postgres://u:***@[::1]:5432/db",
            ),
            ("", ""),
            ("postgres://", "postgres://"),
            ("not a url", "not a url"),
            ("mysql://u:p@h/db", "mysql://u:***@h/db"),
            ("  postgres://u:p@h/db", "  postgres://u:***@h/db"),
            ("x y://u:p@h", "x y://u:***@h"),
            ("://u:p@h", "://u:***@h"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "{input}");
        }
    }

    #[test]
    fn redacts_key_value_strings() {
        assert_eq!(
            redact("host=h password=p user=u"),
            "host=h password=*** user=u"
        );
        assert_eq!(
            redact("host=h password = 'a b\\' c' user=u"),
            "host=h password = *** user=u"
        );
        assert_eq!(redact("password='unterminated"), "password=***");
        assert_eq!(redact("user=u dbname=d"), "user=u dbname=d");
        assert_eq!(
            redact("host=h user=u password='://' dbname=d"),
            "host=h user=u password=*** dbname=d"
        );
        assert_eq!(
            redact("host=h password = 'a://b@c'"),
            "host=h password = ***"
        );
    }

    #[test]
    fn parses_what_migsafe_handles() {
        let p = parse(
            "postgresql://u:p%40w@h:5432/db?schema=app&sslmode=verify-full&sslrootcert=%2Fca.pem\
             &connection_limit=5&application_name=x&options=-c%20a%3Db&connect_timeout=3&port=1",
        )
        .unwrap();
        assert_eq!(
            p.driver_url,
            "postgresql://u:p%40w@h:5432/db?connect_timeout=3&port=1"
        );
        assert_eq!(p.sslmode, Some(SslMode::VerifyFull));
        assert_eq!(p.sslrootcert.as_deref(), Some("/ca.pem"));
        assert_eq!(p.schema.as_deref(), Some("app"));
        assert_eq!(p.options.as_deref(), Some("-c a=b"));
        assert!(p.has_connect_timeout);
        assert!(p.secrets.contains(&"p@w".to_owned()));
        assert!(p.secrets.contains(&"p%40w".to_owned()));

        let p = parse("postgres://h/db").unwrap();
        assert_eq!(p.driver_url, "postgres://h/db");
        assert_eq!(p.sslmode, None);
        assert!(p.secrets.is_empty());

        assert!(parse("mysql://h/db").unwrap_err().contains("postgres://"));
        assert!(
            parse("postgres://h/db?sslmode=sure")
                .unwrap_err()
                .contains("verify-full")
        );
        assert!(
            parse("postgres://u:a@b@h/db")
                .unwrap_err()
                .contains("unencoded `@`")
        );
    }

    #[test]
    fn scrubs_secrets() {
        assert_eq!(
            scrub("auth failed: p@w bad", &["p@w".to_owned(), String::new()]),
            "the message is not shown: it contains part of the connection string's password"
        );
        // A one-letter password is not told by where the stars fall.
        assert!(!scrub("password authentication failed", &["a".to_owned()]).contains('*'));
        assert_eq!(
            scrub("connection refused", &["zz".to_owned()]),
            "connection refused"
        );
    }
}
