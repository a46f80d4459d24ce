//! Whether a rollback plan is a plan: `-- @rollback-plan: TODO` is not.

/// The words that stand for a plan nobody has written yet. A plan that is
/// one of them (any case, with or without trailing punctuation) or starts
/// with one of the first five followed by `:` or a space is a placeholder.
const PLACEHOLDERS: &[&str] = &[
    "todo",
    "tbd",
    "tba",
    "fixme",
    "xxx",
    "n/a",
    "na",
    "none",
    "nothing",
    "no",
    "nope",
    "-",
    "?",
    "later",
    "wip",
    "placeholder",
    "not applicable",
    "not needed",
    "unknown",
];

/// The reason why `plan` (the text of a `@rollback-plan`) is not a plan for
/// the statement whose SQL is `statement`, or `None` when it is one.
///
/// A plan is a placeholder when it is empty, only punctuation, a
/// placeholder word (`TODO`, `TBD`, `n/a`, `-`, `none`, `?`, …), starts with
/// `TODO:`/`TBD`/`FIXME`, or is made only of the words of the statement
/// itself (`drop column email` on `ALTER TABLE users DROP COLUMN email`):
/// none of those tells the person on call how to get back.
///
/// ```
/// use migsafe_annotations::placeholder_plan;
/// let drop = "ALTER TABLE users DROP COLUMN email";
/// assert!(placeholder_plan("TODO", drop).is_some());
/// assert!(placeholder_plan("n/a.", drop).is_some());
/// assert!(placeholder_plan("TBD: ask the DBA", drop).is_some());
/// assert!(placeholder_plan("drop column email", drop).is_some());
/// assert!(placeholder_plan("restore email from the nightly backup", drop).is_none());
/// ```
pub fn placeholder_plan(plan: &str, statement: &str) -> Option<&'static str> {
    let lower = plan.trim().to_lowercase();
    let core = lower.trim_end_matches(['.', '!', ';', ':', ',']).trim();
    if !core.chars().any(char::is_alphanumeric) {
        return Some("it has no words");
    }
    let collapsed = core.split_whitespace().collect::<Vec<_>>().join(" ");
    if PLACEHOLDERS.contains(&collapsed.as_str()) {
        return Some("it is a placeholder");
    }
    for w in &PLACEHOLDERS[..5] {
        if let Some(rest) = collapsed.strip_prefix(w)
            && (rest.starts_with(':') || rest.starts_with(' ') || rest.starts_with('-'))
        {
            return Some("it is still to be written");
        }
    }
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let in_statement: std::collections::HashSet<String> = words(statement).into_iter().collect();
    let plan_words = words(core);
    if !plan_words.is_empty() && plan_words.iter().all(|w| in_statement.contains(w)) {
        return Some("it only repeats the statement");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::placeholder_plan;

    const DROP: &str = "ALTER TABLE \"users\" DROP COLUMN \"old_field\";";

    #[test]
    fn placeholders_are_not_plans() {
        for p in [
            "TODO",
            "todo.",
            "TBD",
            "n/a",
            "N/A",
            "-",
            "--",
            "none",
            "None!",
            "?",
            "???",
            "...",
            "TODO: write this",
            "FIXME later",
            "tbd - ask ops",
            "  TBA  ",
            "not applicable",
        ] {
            assert!(
                placeholder_plan(p, DROP).is_some(),
                "{p:?} passed as a plan"
            );
        }
    }

    #[test]
    fn a_plan_that_repeats_the_statement_is_not_a_plan() {
        for p in [
            "drop column old_field",
            "ALTER TABLE users DROP COLUMN old_field",
            "\"users\".\"old_field\"",
        ] {
            assert_eq!(
                placeholder_plan(p, DROP),
                Some("it only repeats the statement"),
                "{p:?}"
            );
        }
    }

    #[test]
    fn real_plans_are_plans() {
        for p in [
            "1) Create backup table, 2) Migrate data, 3) Verify, 4) Drop backup",
            "restore old_field from the nightly backup",
            "re-add the column and backfill it from audit_log",
            "Todos are kept in the archive table: copy them back",
            "none of the rows are needed: re-create the column empty",
        ] {
            assert_eq!(placeholder_plan(p, DROP), None, "{p:?}");
        }
    }
}
