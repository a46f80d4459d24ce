//! `empty-migration`: its documentation (the source of `docs/rules/empty-migration.md` and
//! `migsafe explain empty-migration`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `integrity` pass ([`super`]) runs it.

use crate::engine::{FileCtx, Sink};
use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static EMPTY_MIGRATION: Rule = Rule {
    id: RuleId::EmptyMigration,
    severity: Severity::Error,
    category: Category::Integrity,
    summary: "an empty or comment-only migration file",
    what: "A migration file with no statement: empty, whitespace only, or comments only; and a Prisma \
migration directory without its `migration.sql`.",
    why: "An empty migration is recorded as applied while doing nothing. It is almost always a \
mistake: a `prisma migrate dev --create-only` whose SQL was never written, a file truncated by a bad \
merge, or content lost in an editor.",
    bad: Example {
        migrations: &[("20260105120000_add_users", "-- TODO: write this\n")],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[("20260105120000_add_users", "CREATE TABLE users (id int);\n")],
        config: "",
        checked: true,
    },
};

/// A file with no statement.
pub(super) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    if ctx.file.statements.is_empty() {
        let only_comments = !ctx.file.split.comments.is_empty();
        sink.emit(
            &EMPTY_MIGRATION,
            if only_comments {
                "migration file contains only comments"
            } else {
                "migration file is empty"
            },
            |d| d.help("write the migration's SQL, or delete the migration if it is not needed"),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::EMPTY_MIGRATION));
    }
}
