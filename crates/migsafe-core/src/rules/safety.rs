//! The release-safety rules: overrides, rollback plans, approvals.

use super::{Category, Example, Rule, RuleId};
use crate::engine::{FileCtx, Sink};
use crate::report::Severity;

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

pub static MISSING_ROLLBACK_PLAN: Rule = Rule {
    id: RuleId::MissingRollbackPlan,
    severity: Severity::Error,
    category: Category::Safety,
    summary: "a dangerous statement with an override but no `@rollback-plan`",
    what: "A dangerous statement (or, as configured in `[annotations] require-rollback-plan`, a statement \
of another class) whose override annotation has no `-- @rollback-plan: TEXT` next to it, in the \
statement's comment block or the file's leading block.",
    why: "Dangerous changes cannot be undone by running the inverse statement: the data is gone. \
Whoever is on call when the release goes wrong needs to know, before it happens, how to get back: \
restore a backup, copy data from a shadow column, redeploy the old code. The plan belongs next to the \
statement it undoes.",
    bad: Example {
        migrations: &[(
            "20260101000000_drop_old_field",
            "-- @override-destructive\nALTER TABLE users DROP COLUMN old_field;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_drop_old_field",
            "-- @override-destructive\n-- @rollback-plan: 1) Create backup table, 2) Migrate data, 3) Verify, 4) Drop backup\nALTER TABLE users DROP COLUMN old_field;\n",
        )],
        config: "",
        checked: true,
    },
};

pub static MISSING_APPROVAL: Rule = Rule {
    id: RuleId::MissingApproval,
    severity: Severity::Error,
    category: Category::Safety,
    summary: "an overridden statement without the `@approved-by` the config requires",
    what: "When `[annotations] require-approval` names a class (for example `[\"dangerous\"]`), every \
overridden statement of that class needs `-- @approved-by: NAME[, NAME]` in force. Off by default: \
with the default config nothing requires approval.",
    why: "The release-safety process asks for team-lead approval of contract changes and full-team \
approval of dangerous ones. Recording who approved in the migration itself puts the approval next to \
the change, in version control, where the audit trail can read it.",
    bad: Example {
        migrations: &[(
            "20260101000000_drop_sessions",
            "-- @override-destructive\n-- @rollback-plan: Sessions are recreated on the next login\nDROP TABLE sessions;\n",
        )],
        config: "[annotations]\nrequire-approval = [\"dangerous\"]",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_drop_sessions",
            "-- @override-destructive\n-- @rollback-plan: Sessions are recreated on the next login\n-- @approved-by: alice, bob\nDROP TABLE sessions;\n",
        )],
        config: "[annotations]\nrequire-approval = [\"dangerous\"]",
        checked: true,
    },
};

pub static UNUSED_OVERRIDE: Rule = Rule {
    id: RuleId::UnusedOverride,
    severity: Severity::Info,
    category: Category::Safety,
    summary: "an override annotation on statements that do not need one",
    what: "An override annotation above an expand or neutral statement, or a file-scope override in a \
file with no contract or dangerous statement.",
    why: "An override that allows nothing is noise today and a trap tomorrow: when someone later adds a \
destructive statement to the file, a stale file-scope override silently allows it.",
    bad: Example {
        migrations: &[(
            "20260101000000_add_index",
            "-- @override-destructive\nCREATE INDEX users_email_idx ON users (email);\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_add_index",
            "CREATE INDEX users_email_idx ON users (email);\n",
        )],
        config: "",
        checked: true,
    },
};

fn first_override(ctx: &FileCtx<'_>) -> String {
    ctx.config
        .overrides
        .first()
        .cloned()
        .unwrap_or_else(|| "override-destructive".to_owned())
}

pub(crate) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    let word = first_override(ctx);
    let mut file_scope_used = false;
    for (i, s) in ctx.file.statements.iter().enumerate() {
        let class = s.class();
        let ann = &ctx.effective[i];
        let Some(primary) = s.primary() else { continue };
        let title = primary.kind.title();
        let end = ctx.first_line_end(s);
        let needs_plan = ctx.config.require_rollback_plan.contains(&class);
        if class.needs_override() {
            if !ctx.annotations.file.overrides.is_empty() {
                file_scope_used = true;
            }
            if !ann.is_overridden() {
                let others: Vec<String> = s
                    .restricted_ops()
                    .filter(|o| !std::ptr::eq(*o, primary))
                    .map(|o| o.kind.title())
                    .collect();
                let mut msg = format!("{title} is {class} and has no override annotation");
                if !others.is_empty() {
                    msg.push_str(&format!(
                        " (the statement also does: {})",
                        others.join(", ")
                    ));
                }
                let help = if needs_plan {
                    format!("add `-- @{word}` and `-- @rollback-plan: …` above the statement")
                } else {
                    format!("add `-- @{word}` above the statement")
                };
                let rollback = s.rollback();
                sink.emit(&MISSING_OVERRIDE, msg, |d| {
                    d.at(s.line, s.column)
                        .span_end(s.line, end)
                        .label(format!("{class}: {}", primary.kind.reason()))
                        .note(format!("rollback is {rollback}{}", rollback_note(rollback)))
                        .help(help)
                });
            } else if needs_plan && ann.plan().is_none() {
                sink.emit(
                    &MISSING_ROLLBACK_PLAN,
                    format!("{title} is {class} and its override has no rollback plan"),
                    |d| {
                        d.at(s.line, s.column)
                            .span_end(s.line, end)
                            .label(format!("{class}: {}", primary.kind.reason()))
                            .help("add `-- @rollback-plan: <how to undo this>` above the statement")
                    },
                );
            }
            if ann.is_overridden()
                && ctx.config.require_approval.contains(&class)
                && ann.approved_by.is_empty()
            {
                sink.emit(
                    &MISSING_APPROVAL,
                    format!("{title} is {class} and has no `@approved-by`"),
                    |d| {
                        d.at(s.line, s.column)
                            .span_end(s.line, end)
                            .note(format!(
                                "migsafe.toml requires approval for {class} statements"
                            ))
                            .help("add `-- @approved-by: NAME` above the statement")
                    },
                );
            }
        } else if let Some(o) = ctx
            .annotations
            .statements
            .get(i)
            .and_then(|a| a.overrides.first())
        {
            sink.emit(
                &UNUSED_OVERRIDE,
                format!("`@{}` has no effect: {title} is {class}", o.value),
                |d| d.at(o.pos.line, o.pos.column).help("remove the annotation"),
            );
        }
    }
    if !file_scope_used && let Some(o) = ctx.annotations.file.overrides.first() {
        sink.emit(
                &UNUSED_OVERRIDE,
                format!(
                    "file-scope `@{}` has no effect: no statement in this file is contract or dangerous",
                    o.value
                ),
                |d| {
                    d.at(o.pos.line, o.pos.column)
                        .note("a stale file-scope override would silently allow a destructive statement added later")
                        .help("remove the annotation")
                },
            );
    }
}

fn rollback_note(r: migsafe_classify::Rollback) -> &'static str {
    match r {
        migsafe_classify::Rollback::Simple => ": one statement undoes it",
        migsafe_classify::Rollback::Complex => {
            ": undoing it takes more than one statement (a saved definition, data moved back, or code deployed in step)"
        }
        migsafe_classify::Rollback::Impossible => ": only a backup brings the data back",
    }
}
