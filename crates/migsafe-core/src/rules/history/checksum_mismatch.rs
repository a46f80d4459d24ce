//! `checksum-mismatch`: its documentation (the source of `docs/rules/checksum-mismatch.md` and
//! `migsafe explain checksum-mismatch`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `history` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static CHECKSUM_MISMATCH: Rule = Rule {
    id: RuleId::ChecksumMismatch,
    severity: Severity::Error,
    category: Category::History,
    summary: "a migration edited after it was applied",
    what: "A migration whose `migration.sql` no longer has the checksum the database recorded in \
`_prisma_migrations` when it applied it (Prisma's checksum: the SHA-256 of the file; a file that only \
changed CRLF/LF line endings still matches, as in Prisma).",
    why: "The database ran the original script; the file now describes something else. Fresh \
environments built from the files differ from this one, and `prisma migrate dev` asks to reset the \
development database.",
    bad: Example {
        migrations: &[(
            "20260101000000_init",
            "-- applied as CREATE TABLE users (id int); then edited to:\nCREATE TABLE users (id int, email text);\n",
        )],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[
            ("20260101000000_init", "CREATE TABLE users (id int);\n"),
            (
                "20260301000000_add_email",
                "ALTER TABLE users ADD COLUMN email text;\n",
            ),
        ],
        config: "",
        checked: false,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::CHECKSUM_MISMATCH));
    }
}
