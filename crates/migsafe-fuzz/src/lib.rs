//! A mutation fuzzer for every parser of migsafe, on stable Rust.
//!
//! Each [`Target`] is one parser (the lexer, the statement splitter, the
//! annotation reader, the Prisma schema parser, the config parser, the
//! naming-pattern matcher) or the whole pipeline on one migration file.
//! Inputs are the repository's own fixtures, mutated: bytes flipped,
//! dictionary tokens (`--`, `\r`, `$$`, `@rollback-plan:`, `CHECK (`, …)
//! inserted, ranges deleted, repeated (long and deep inputs) or spliced
//! from another seed. An input fails when the target panics or breaks one
//! of its invariants (the lexer's tokens cover the input exactly, the
//! splitter's spans are in order, the rendered text holds no control
//! character, …). A failing input is shrunk and saved for the developer to
//! keep in `regressions/<target>/`, which every run replays first.
//!
//! The runs are deterministic (a fixed seed unless `MIGSAFE_FUZZ_SEED`
//! says otherwise) and bounded by a number of inputs: CI runs a few
//! thousand per target; `MIGSAFE_FUZZ_INPUTS` or `MIGSAFE_FUZZ_SECONDS`
//! run longer on demand (see `tests/fuzz.rs`).
//!
//! A stack overflow aborts the process and cannot be caught: before each
//! input the fuzzer writes it to `<crash dir>/<target>-current`, so the
//! input of an abort is on disk.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The longest input the mutator makes: long enough for deep nesting and
/// for quadratic behaviour to show, short enough for a debug build.
pub const MAX_LEN: usize = 256 * 1024;

/// A small deterministic generator (splitmix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Tokens the mutator inserts: the places where lexers, splitters and
/// annotation readers disagree with PostgreSQL, and the constructs that
/// nest.
pub const DICTIONARY: &[&str] = &[
    "--",
    "-- ",
    "\r",
    "\n",
    "\r\n",
    "\u{b}",
    "\u{c}",
    "\u{0}",
    "\u{1b}[2K",
    "\u{feff}",
    "\u{2028}",
    "/*",
    "*/",
    "'",
    "''",
    "\"",
    "\"\"",
    "$$",
    "$a$",
    "$1",
    "E'\\'",
    "e'\\\\'",
    "U&\"\\0041\"",
    "U&'d\\0061t\\+000061'",
    "B'101'",
    "X'ff'",
    ";",
    "(",
    ")",
    "[]",
    "[",
    "]",
    "::",
    ",",
    ".",
    "\\",
    "Ä",
    "ユーザー",
    "ǅ",
    "@override-destructive",
    "@migration-override",
    "@allow-destructive",
    "@rollback-plan:",
    "@approved-by:",
    "-- @override-destructive\n",
    "-- @rollback-plan: restore from backup\n",
    "-- migrate:up\n",
    "-- migrate:down\n",
    "-- migrate:up transaction:false\n",
    "DROP TABLE \"users\";",
    "DROP COLUMN ",
    "ALTER TABLE ",
    "CREATE TABLE t (",
    "CREATE UNIQUE INDEX CONCURRENTLY ",
    "ADD COLUMN ",
    "ADD CONSTRAINT c ",
    "NOT NULL",
    "NOT VALID",
    "DEFAULT ",
    "CHECK (",
    "REFERENCES ",
    "PRIMARY KEY",
    "PARTITION OF ",
    "DO $$ BEGIN ",
    " END $$;",
    "BEGIN ATOMIC ",
    "BEGIN;",
    "COMMIT;",
    "1+",
    " OR ",
    " AND ",
    "CASE WHEN ",
    "ARRAY[",
    "int",
    "varchar(",
    "model ",
    "{",
    "}",
    "@@index([",
    "@@map(\"",
    "@id",
    "@default(",
    "@relation(fields: [",
    "enum ",
    "datasource db {",
    "generator client {",
    "=",
    "[migrations]\n",
    "[rules]\n",
    "[annotations]\n",
    "[audit]\n",
    "naming = \"",
    "{timestamp}",
    "{any}",
    "{name}",
    "{seq}",
    "\"\"\"",
    "9999999999999999999999",
    "-1",
];

fn interesting_byte(rng: &mut Rng) -> u8 {
    const B: &[u8] = b"\0\r\n\t;'\"$-/*\\()[]{}@:.,=\x80\xbf\xc3\xe3\xff";
    B[rng.below(B.len())]
}

/// A mutation of `input` (one to four steps), drawing on the other seeds
/// for splices. Never longer than `max_len`.
pub fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    let mut out = input.to_vec();
    let steps = 1 + rng.below(4);
    for _ in 0..steps {
        let len = out.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = interesting_byte(rng);
            }
            2 | 3 => {
                let tok = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                let i = rng.below(len + 1);
                out.splice(i..i, tok.iter().copied());
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                out.drain(i..i + n);
            }
            5 if len > 0 => {
                // Repeat a short range: long lists, deep nesting.
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(16));
                let times = if rng.chance(8) {
                    1000 + rng.below(8000)
                } else {
                    2 + rng.below(30)
                };
                let chunk = out[i..i + n].to_vec();
                let room = max_len.saturating_sub(len) / n.max(1);
                for _ in 0..times.min(room) {
                    out.splice(i..i, chunk.iter().copied());
                }
            }
            6 if !seeds.is_empty() => {
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let n = 1 + rng.below((other.len() - a).min(512));
                    let i = rng.below(len + 1);
                    out.splice(i..i, other[a..a + n].iter().copied());
                }
            }
            7 if len > 0 => out.truncate(rng.below(len)),
            8 => {
                // Wrap a range in brackets, many times over.
                let (open, close) =
                    [("(", ")"), ("[", "]"), ("ARRAY[", "]"), ("{", "}")][rng.below(4)];
                let depth = if rng.chance(4) {
                    500 + rng.below(6000)
                } else {
                    1 + rng.below(20)
                };
                let a = rng.below(len + 1);
                let b = a + rng.below(len - a + 1);
                let depth = depth.min(max_len.saturating_sub(len) / (open.len() + close.len()));
                let mut wrapped = Vec::with_capacity(len + depth * 2);
                wrapped.extend_from_slice(&out[..a]);
                for _ in 0..depth {
                    wrapped.extend_from_slice(open.as_bytes());
                }
                wrapped.extend_from_slice(&out[a..b]);
                for _ in 0..depth {
                    wrapped.extend_from_slice(close.as_bytes());
                }
                wrapped.extend_from_slice(&out[b..]);
                out = wrapped;
            }
            _ => {}
        }
        out.truncate(max_len);
    }
    out
}

/// What is fuzzed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `migsafe_model::lex::lex`.
    Lexer,
    /// `migsafe_classify::split`.
    Split,
    /// `migsafe_annotations::parse_comment` on every line.
    Annotations,
    /// `migsafe_prisma::parse` and the model it maps to.
    Prisma,
    /// `migsafe.toml`: `Config::parse`.
    Config,
    /// `[migrations] naming` patterns: first line the pattern, second the
    /// name.
    Naming,
    /// One migration after a fixed first one: every check, every format.
    Pipeline,
}

impl Target {
    pub const ALL: [Target; 7] = [
        Target::Lexer,
        Target::Split,
        Target::Annotations,
        Target::Prisma,
        Target::Config,
        Target::Naming,
        Target::Pipeline,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Lexer => "lexer",
            Target::Split => "split",
            Target::Annotations => "annotations",
            Target::Prisma => "prisma",
            Target::Config => "config",
            Target::Naming => "naming",
            Target::Pipeline => "pipeline",
        }
    }

    /// The longest input for this target (the pipeline replays and renders
    /// every input: shorter).
    pub fn max_len(self) -> usize {
        match self {
            Target::Pipeline | Target::Prisma => MAX_LEN / 4,
            Target::Naming => 4096,
            _ => MAX_LEN,
        }
    }

    /// Which fixture files seed it.
    fn seed_extension(self) -> &'static str {
        match self {
            Target::Prisma => ".prisma",
            Target::Config => ".toml",
            Target::Naming => ".naming",
            _ => ".sql",
        }
    }

    /// Built-in seeds besides the fixtures.
    fn builtin_seeds(self) -> &'static [&'static str] {
        match self {
            Target::Config => &[
                "[migrations]\npaths = [\"prisma/migrations\"]\nnaming = \"{timestamp}_{name}\"\nlayout = \"auto\"\nmax-file-bytes = 1000\n",
                "[rules]\nmissing-lock-timeout = \"off\"\nlarge-table-rows = 10\n[annotations]\noverrides = [\"@ok\"]\n[audit]\nlog = \"audit.jsonl\"\n",
                "[schema]\npath = \"prisma/schema.prisma\"\n[database]\npostgres-version = 15\n",
            ],
            Target::Naming => &[
                "{timestamp}_{name}\n20260101000000_init",
                "V{seq}__{name}\nV2__add_users",
                "{any}{any}{any}{any}{any}{any}{any}{any}!\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "{timestamp}-{any}\n20261301000000-x",
            ],
            Target::Pipeline | Target::Split | Target::Lexer | Target::Annotations => &[
                "SELECT 1; -- note\rDROP TABLE \"users\";\n",
                "-- @override-destructive\n-- @rollback-plan: restore from backup\nALTER TABLE \"User\" DROP COLUMN \"bio\";\n",
                "CREATE TABLE \"Ärger\" (id int);\nCREATE INDEX CONCURRENTLY i ON \"Ärger\" (id);\n",
            ],
            Target::Prisma => &[
                "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n\nmodel User {\n  id Int @id @default(autoincrement())\n  email String @unique\n  posts Post[]\n  @@index([email])\n}\n\nmodel Post {\n  id Int @id\n  author User @relation(fields: [authorId], references: [id])\n  authorId Int\n}\n\nenum Role {\n  USER\n  ADMIN\n}\n",
            ],
        }
    }

    /// Runs the target on one input: `Err` when an invariant is broken (a
    /// panic is caught by [`check`]).
    pub fn run(self, input: &[u8]) -> Result<(), String> {
        let text = String::from_utf8_lossy(input);
        match self {
            Target::Lexer => lexer(&text),
            Target::Split => split(&text),
            Target::Annotations => annotations(&text),
            Target::Prisma => prisma(&text),
            Target::Config => config(&text),
            Target::Naming => naming(&text),
            Target::Pipeline => pipeline(input),
        }
    }
}

fn lexer(src: &str) -> Result<(), String> {
    let lexed = migsafe_model::lex::lex(src);
    let mut at = 0usize;
    for t in &lexed.tokens {
        if t.start as usize != at {
            return Err(format!(
                "token at {} does not start where the last ended ({at})",
                t.start
            ));
        }
        if t.end <= t.start {
            return Err(format!("empty token at {}", t.start));
        }
        if src.get(t.range()).is_none() {
            return Err(format!(
                "token {:?} is not on character boundaries",
                t.range()
            ));
        }
        at = t.end as usize;
    }
    if at != src.len() {
        return Err(format!("tokens end at {at}, the input at {}", src.len()));
    }
    for e in &lexed.errors {
        if e.start > src.len() {
            return Err(format!("error position {} past the end", e.start));
        }
    }
    Ok(())
}

fn split(src: &str) -> Result<(), String> {
    let s = migsafe_classify::split(src);
    let mut end = 0usize;
    for st in &s.statements {
        if st.span.start < end || st.span.end < st.span.start || st.span.end > src.len() {
            return Err(format!(
                "statement span {:?} out of order (last end {end})",
                st.span
            ));
        }
        if st.tokens.end > s.tokens.len() || st.tokens.start > st.tokens.end {
            return Err(format!("statement tokens {:?} out of range", st.tokens));
        }
        if st.line == 0 || st.column == 0 {
            return Err("statement position is 0-based".into());
        }
        end = st.span.end;
        let _ = s.statement_tokens(st).count();
    }
    for c in &s.comments {
        if c.span.end > src.len() || src.get(c.span.clone()).is_none() {
            return Err(format!("comment span {:?} out of range", c.span));
        }
        let _ = c.body(src);
    }
    Ok(())
}

fn annotations(src: &str) -> Result<(), String> {
    let grammar = migsafe_annotations::Grammar::default();
    for line in src.split(['\n', '\r']) {
        let body = line.trim_start().strip_prefix("--").unwrap_or(line);
        let chars = body.chars().count();
        for (offset, _) in migsafe_annotations::parse_comment(&grammar, body) {
            // A character offset (columns count characters).
            if offset >= chars.max(1) {
                return Err(format!(
                    "directive offset {offset} past the comment's {chars} characters"
                ));
            }
        }
    }
    // The whole file: comments resolved against statements.
    let analyzed = migsafe_classify::analyze(src);
    let _ = analyzed.statements.len();
    Ok(())
}

fn prisma(src: &str) -> Result<(), String> {
    let parsed = migsafe_prisma::parse(&[migsafe_prisma::SourceFile::new("schema.prisma", src)]);
    // Prisma's grammar ends a line at LF, CRLF or a lone CR.
    let lines = src.replace("\r\n", "\n").split(['\n', '\r']).count() as u32;
    for d in parsed.diagnostics() {
        if d.line == 0 || d.line > lines + 1 || d.end_line < d.line {
            return Err(format!(
                "diagnostic at {}:{}–{} outside the {lines}-line schema: {}",
                d.line, d.column, d.end_line, d.message
            ));
        }
    }
    let _ = parsed.render_diagnostics();
    let _ = parsed.to_model();
    Ok(())
}

fn config(src: &str) -> Result<(), String> {
    match migsafe_core::Config::parse(src, Path::new(".")) {
        Ok(c) => {
            let _ = c.grammar();
            Ok(())
        }
        Err(e) if e.to_string().trim().is_empty() => Err("an empty error message".into()),
        Err(_) => Ok(()),
    }
}

fn naming(src: &str) -> Result<(), String> {
    let (pattern, name) = src.split_once('\n').unwrap_or((src, ""));
    if let Ok(p) = migsafe_core::naming::NamePattern::parse(pattern) {
        let _ = p.check(name);
    }
    let _ = migsafe_core::naming::NamePattern::default().check(name);
    Ok(())
}

/// The first migration of the pipeline's history: the fuzzed one is the
/// second, with these tables as its context.
const HISTORY: &str = "CREATE TABLE \"User\" (\"id\" SERIAL NOT NULL, \"email\" TEXT NOT NULL, \"bio\" TEXT, CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\"));\nCREATE UNIQUE INDEX \"User_email_key\" ON \"User\"(\"email\");\nCREATE TABLE \"Post\" (\"id\" SERIAL PRIMARY KEY, \"authorId\" INTEGER REFERENCES \"User\"(\"id\"));\nCREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN');\n";

fn pipeline(input: &[u8]) -> Result<(), String> {
    use migsafe_core::render::{Format, text::TextOptions};
    let sources = vec![
        migsafe_core::MigrationSource::prisma("20260101000000_init", HISTORY),
        migsafe_core::MigrationSource {
            name: "20260102000000_fuzzed".into(),
            path: "prisma/migrations/20260102000000_fuzzed/migration.sql".into(),
            up: input.to_vec(),
            down: None,
            layout: migsafe_core::Layout::Prisma,
        },
    ];
    let report = migsafe_core::check_sources(
        sources,
        &migsafe_core::Config::default(),
        migsafe_core::check::Checks::ALL,
    );
    let counted: usize = report.migrations.iter().map(|m| m.statements.len()).sum();
    if counted != report.summary.statements {
        return Err(format!(
            "summary says {} statements, the migrations hold {counted}",
            report.summary.statements
        ));
    }
    for format in [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Gitlab,
        Format::Markdown,
        Format::Prometheus,
    ] {
        let out = migsafe_core::render::render(
            &report,
            format,
            TextOptions {
                color: false,
                quiet: false,
            },
        );
        match format {
            // Human formats: nothing the input holds may reach the reader
            // as a control character (no `\r` to overwrite a line, no
            // escape sequence); tabs are harmless.
            Format::Text | Format::Github | Format::Markdown => {
                if format == Format::Markdown {
                    // One table row per finding: nothing of the input ends
                    // a row or opens a cell.
                    let rows = out
                        .lines()
                        .filter(|l| {
                            l.starts_with("| ❌ error |")
                                || l.starts_with("| ⚠️ warning |")
                                || l.starts_with("| ℹ️ info |")
                        })
                        .filter(|l| l.matches(" | ").count() == 3)
                        .count();
                    if rows != report.diagnostics.len() {
                        return Err(format!(
                            "Markdown has {rows} well-formed finding rows for {} findings",
                            report.diagnostics.len()
                        ));
                    }
                }
                if let Some(c) = out
                    .chars()
                    .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
                {
                    return Err(format!(
                        "{format:?} output holds the control character {c:?}"
                    ));
                }
            }
            // Machine formats: valid for their readers.
            Format::Json | Format::Sarif | Format::Gitlab => {
                if let Err(e) = serde_json::from_str::<serde_json::Value>(&out) {
                    return Err(format!("{format:?} output is not JSON: {e}"));
                }
            }
            // Metrics of a live database only: a report of files has none.
            Format::Prometheus => {
                if !out.is_empty() {
                    return Err("Prometheus output for a report without a database".into());
                }
            }
            Format::Junit => {
                // XML 1.0 allows no C0 control but tab, LF and CR, and
                // neither U+FFFE nor U+FFFF.
                if let Some(c) = out.chars().find(|c| {
                    (u32::from(*c) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                        || matches!(c, '\u{FFFE}' | '\u{FFFF}')
                }) {
                    return Err(format!(
                        "JUnit output holds {c:?}, which XML does not allow"
                    ));
                }
            }
        }
        if matches!(format, Format::Text | Format::Junit | Format::Markdown)
            && out.lines().any(|l| l.trim_start().starts_with("::"))
        {
            return Err(format!("{format:?} output holds a line starting with `::`"));
        }
    }
    Ok(())
}

/// Runs the target on one input, panics caught.
pub fn check(target: Target, input: &[u8]) -> Result<(), String> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| target.run(input))) {
        Ok(r) => r,
        Err(p) => Err(format!(
            "panic: {}",
            p.downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
    }
}

/// A smaller input that still fails (by deleting ranges, largest first).
pub fn shrink(target: Target, input: &[u8]) -> Vec<u8> {
    shrink_by(input, |b| check(target, b).is_err())
}

/// A smaller input for which `fails` still holds (ranges deleted, largest
/// first; at most a few thousand tries).
pub fn shrink_by(input: &[u8], fails: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut best = input.to_vec();
    let mut tries = 0;
    let mut chunk = best.len() / 2;
    while chunk > 0 && tries < 4000 {
        let mut i = 0;
        let mut progressed = false;
        while i + chunk <= best.len() && tries < 4000 {
            let mut candidate = best.clone();
            candidate.drain(i..i + chunk);
            tries += 1;
            if fails(&candidate) {
                best = candidate;
                progressed = true;
            } else {
                i += chunk;
            }
        }
        if !progressed {
            chunk /= 2;
        }
    }
    best
}

/// How long a run goes on.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Mutated inputs to run (besides the seeds and regressions).
    pub inputs: u64,
    /// Or this many seconds, when given (on-demand runs).
    pub seconds: Option<u64>,
}

/// One failing input: shrunk and saved.
#[derive(Clone, Debug)]
pub struct Failure {
    pub message: String,
    pub input: Vec<u8>,
    pub saved: Option<PathBuf>,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub seeds: usize,
    pub regressions: usize,
    pub inputs: u64,
    pub longest: usize,
    pub failures: Vec<Failure>,
}

/// The seeds of `target` from the repository at `root`: its fixtures
/// (sorted, so runs are reproducible) and the built-in ones.
pub fn seeds(target: Target, root: &Path) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for dir in ["crates", "bins", "examples"] {
        collect(&root.join(dir), target.seed_extension(), &mut files);
    }
    files.sort();
    let mut out: Vec<Vec<u8>> = files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| b.len() <= target.max_len())
        .collect();
    out.extend(target.builtin_seeds().iter().map(|s| s.as_bytes().to_vec()));
    out
}

/// The kept failing inputs of `target` (`regressions/<target>/*`).
pub fn regressions(target: Target, root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = root.join("regressions").join(target.name());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name == "target" || name.starts_with('.') {
            continue;
        }
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(&p, ext, out),
            Ok(t) if t.is_file() && name.ends_with(ext) => out.push(p),
            _ => {}
        }
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Runs `target`: the regressions, the seeds, then mutated inputs until
/// the budget is spent. Failures are shrunk and saved in `crash_dir`.
pub fn fuzz(
    target: Target,
    seeds: &[Vec<u8>],
    regressions: &[(PathBuf, Vec<u8>)],
    budget: Budget,
    rng_seed: u64,
    crash_dir: &Path,
) -> Outcome {
    let _ = std::fs::create_dir_all(crash_dir);
    let current = crash_dir.join(format!("{}-current", target.name()));
    let mut out = Outcome {
        seeds: seeds.len(),
        regressions: regressions.len(),
        ..Outcome::default()
    };
    let fail = |out: &mut Outcome, input: &[u8], message: String| {
        if out.failures.len() >= 5 {
            return;
        }
        let small = shrink(target, input);
        let message = check(target, &small).err().unwrap_or(message);
        let path = crash_dir.join(format!("{}-{:016x}", target.name(), fnv(&small)));
        let saved = std::fs::write(&path, &small).ok().map(|()| path);
        out.failures.push(Failure {
            message,
            input: small,
            saved,
        });
    };
    let run = |out: &mut Outcome, input: &[u8]| {
        let _ = std::fs::write(&current, input);
        out.longest = out.longest.max(input.len());
        if let Err(m) = check(target, input) {
            fail(out, input, m);
        }
    };
    for (_, input) in regressions {
        run(&mut out, input);
    }
    for input in seeds {
        run(&mut out, input);
    }
    if seeds.is_empty() {
        return out;
    }
    let mut rng = Rng::new(rng_seed ^ fnv(target.name().as_bytes()));
    let started = Instant::now();
    loop {
        let done = match budget.seconds {
            Some(s) => started.elapsed().as_secs() >= s,
            None => out.inputs >= budget.inputs,
        };
        if done {
            break;
        }
        let base = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, base, seeds, target.max_len());
        out.inputs += 1;
        run(&mut out, &input);
    }
    let _ = std::fs::remove_file(&current);
    out
}
