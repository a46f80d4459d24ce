//! `missing-override`: its documentation (the source of `docs/rules/missing-override.md` and
//! `migsafe explain missing-override`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `safety` pass ([`super`]) runs it on each
//! statement with the annotations in force.

use super::{Step, rollback_note};
use crate::engine::Sink;
use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static MISSING_OVERRIDE: Rule = Rule {
    id: RuleId::MissingOverride,
    severity: Severity::Error,
    category: Category::Safety,
    summary: "a contract or dangerous statement without an override annotation",
    what: "A statement that removes or restricts structure (contract: `DROP INDEX`, `DROP CONSTRAINT`, \
modifying a constraint) or loses data or breaks running code (dangerous: `DROP TABLE`, \
`DROP COLUMN`, `ALTER COLUMN TYPE`, renames, `TRUNCATE`, `DELETE`/`UPDATE` without `WHERE`, …) with no \
`@override-destructive`, `@migration-override` or `@allow-destructive` annotation in force. The \
annotation stands in the comment block directly above the statement, or in the file's leading comment \
block (separated from the first statement by a blank line) to cover the whole file. \
`migsafe explain classification` lists the class of every operation.",
    why: "Contract and dangerous changes are the ones that cause outages and data loss. Requiring an \
explicit annotation makes the author state the intent, and makes the reviewer see it: the destructive \
part of a migration can no longer slip through as an incidental line of generated SQL.",
    bad: Example {
        migrations: &[(
            "20260101000000_drop_legacy",
            "-- DropTable\nDROP TABLE \"old_user_data\";\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_drop_legacy",
            "-- @override-destructive\n-- @rollback-plan: Restore from the backup taken before this migration\n-- DropTable\nDROP TABLE \"old_user_data\";\n",
        )],
        config: "",
        checked: true,
    },
};

/// A contract or dangerous statement with no override in force.
pub(super) fn check(step: &Step<'_>, sink: &mut Sink<'_>) {
    let (s, class, primary) = (step.statement, step.class, step.primary);
    if !class.needs_override() || step.annotations.is_overridden() {
        return;
    }
    let others: Vec<String> = s
        .restricted_ops()
        .filter(|o| !std::ptr::eq(*o, primary))
        .map(|o| o.kind.title())
        .collect();
    let mut msg = format!("{} is {class} and has no override annotation", step.title());
    if !others.is_empty() {
        msg.push_str(&format!(
            " (the statement also does: {})",
            others.join(", ")
        ));
    }
    let word = step.word;
    let help = if step.needs_plan {
        format!("add `-- @{word}` and `-- @rollback-plan: …` above the statement")
    } else {
        format!("add `-- @{word}` above the statement")
    };
    let rollback = s.rollback();
    sink.emit(&MISSING_OVERRIDE, msg, |d| {
        step.at(d)
            .label(format!("{class}: {}", primary.kind.reason()))
            .note(format!("rollback is {rollback}{}", rollback_note(rollback)))
            .help(help)
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::MISSING_OVERRIDE));
    }
}
