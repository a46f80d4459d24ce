//! Lock and performance rules. They concern safe (expand) statements, so
//! they are warnings by default; `[rules]` in `migsafe.toml` can raise them.

use migsafe_classify::OpKind;
use migsafe_classify::ir::{ConstraintKind, TxKind};
use migsafe_classify::lock::{is_serial_type, is_volatile_default, lock_facts};

use super::{Category, Example, Rule};
use crate::discover::Layout;
use crate::engine::{FileCtx, Sink};
use crate::report::Severity;

pub static REQUIRE_CONCURRENT_INDEX: Rule = Rule {
    id: "require-concurrent-index",
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "`CREATE INDEX` without `CONCURRENTLY` on an existing table blocks its writes",
    what: "`CREATE [UNIQUE] INDEX` without `CONCURRENTLY` on a table that this migration did not create.",
    why: "A plain `CREATE INDEX` holds a SHARE lock for the whole build: every `INSERT`, `UPDATE` and \
`DELETE` on the table waits, for minutes on a large table. `CONCURRENTLY` builds the index without \
blocking writes. It cannot run inside a transaction, so with Prisma it goes in a migration of its own.",
    bad: Example {
        migrations: &[(
            "20260105120000_index_email",
            "CREATE INDEX \"users_email_idx\" ON \"users\"(\"email\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_index_email",
            "CREATE INDEX CONCURRENTLY \"users_email_idx\" ON \"users\"(\"email\");\n",
        )],
        config: "",
        checked: true,
    },
};

pub static CONSTRAINT_MISSING_NOT_VALID: Rule = Rule {
    id: "constraint-missing-not-valid",
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a foreign key or check added to an existing table without `NOT VALID`",
    what: "`ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` or `CHECK` without `NOT VALID`, on a table this \
migration did not create.",
    why: "Adding the constraint validates every existing row while holding a lock that blocks writes \
(SHARE ROW EXCLUSIVE for a foreign key, on both tables; ACCESS EXCLUSIVE for a check). Adding it \
`NOT VALID` is instant; `VALIDATE CONSTRAINT` later scans the table under a lock that lets writes \
through.",
    bad: Example {
        migrations: &[(
            "20260105120000_orders_fk",
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_orders_fk",
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\") NOT VALID;\nALTER TABLE \"orders\" VALIDATE CONSTRAINT \"orders_user_id_fkey\";\n",
        )],
        config: "",
        checked: true,
    },
};

pub static ADDING_REQUIRED_COLUMN: Rule = Rule {
    id: "adding-required-column",
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a `NOT NULL` column without a default added to an existing table",
    what: "`ADD COLUMN … NOT NULL` with no `DEFAULT` (and not an identity, serial or generated column) on \
a table this migration did not create.",
    why: "PostgreSQL fails the statement as soon as the table has a row: the migration works on an \
empty development database and fails in production. Prisma warns about the same thing.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_tenant",
            "ALTER TABLE \"users\" ADD COLUMN \"tenant_id\" TEXT NOT NULL;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_tenant",
            "ALTER TABLE \"users\" ADD COLUMN \"tenant_id\" TEXT NOT NULL DEFAULT 'default';\n",
        )],
        config: "",
        checked: true,
    },
};

pub static ADD_COLUMN_REWRITE: Rule = Rule {
    id: "add-column-rewrite",
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a column added with a volatile default, serial or identity rewrites the whole table",
    what: "`ADD COLUMN` on an existing table whose default is volatile (`gen_random_uuid()`, \
`random()`, `clock_timestamp()`, `nextval(…)`), or whose type is `SERIAL`, or that is an identity or \
stored generated column.",
    why: "Since PostgreSQL 11 a constant default is stored once and the table is not touched. A \
volatile default has to be computed for every row, so the table is rewritten under an ACCESS \
EXCLUSIVE lock: no reads, no writes, for as long as the rewrite takes.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_uuid",
            "ALTER TABLE \"users\" ADD COLUMN \"public_id\" UUID NOT NULL DEFAULT gen_random_uuid();\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_uuid",
            "ALTER TABLE \"users\" ADD COLUMN \"public_id\" UUID;\n-- backfill in batches from the application, then:\n-- ALTER TABLE \"users\" ALTER COLUMN \"public_id\" SET DEFAULT gen_random_uuid();\n",
        )],
        config: "",
        checked: true,
    },
};

pub static SET_NOT_NULL_SCAN: Rule = Rule {
    id: "set-not-null-scan",
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "`SET NOT NULL` scans the whole table under an ACCESS EXCLUSIVE lock, and fails on any NULL",
    what: "`ALTER TABLE … ALTER COLUMN … SET NOT NULL` on a table this migration did not create, unless a \
validated `CHECK (col IS NOT NULL)` constraint on the column is added earlier in the same migration.",
    why: "PostgreSQL reads every row to prove there is no NULL, holding a lock that blocks reads and \
writes. On a large table that is an outage; and if a NULL slipped in since the backfill, the migration \
fails in production. From PostgreSQL 12 on, a valid `CHECK (col IS NOT NULL)` lets it skip the scan.",
    bad: Example {
        migrations: &[(
            "20260105120000_email_required",
            "ALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_email_required",
            "ALTER TABLE \"users\" ADD CONSTRAINT \"users_email_not_null\" CHECK (\"email\" IS NOT NULL) NOT VALID;\nALTER TABLE \"users\" VALIDATE CONSTRAINT \"users_email_not_null\";\nALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL;\nALTER TABLE \"users\" DROP CONSTRAINT \"users_email_not_null\";\n",
        )],
        config: "",
        checked: true,
    },
};

pub static CONCURRENTLY_IN_TRANSACTION: Rule = Rule {
    id: "concurrently-in-transaction",
    severity: Severity::Error,
    category: Category::Locking,
    summary: "`CREATE/DROP INDEX CONCURRENTLY` where it cannot run: inside a transaction",
    what: "`CREATE INDEX CONCURRENTLY` or `DROP INDEX CONCURRENTLY` between `BEGIN` and `COMMIT`, or in \
a Prisma migration that has other statements too. Prisma sends a migration file as one multi-statement \
script, which PostgreSQL runs as one implicit transaction.",
    why: "PostgreSQL refuses with `cannot run inside a transaction block`: the deployment fails at this \
migration, after the statements before it in the file already ran.",
    bad: Example {
        migrations: &[(
            "20260105120000_index_email",
            "ALTER TABLE \"users\" ADD COLUMN \"email\" TEXT;\nCREATE INDEX CONCURRENTLY \"users_email_idx\" ON \"users\"(\"email\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_add_email",
                "ALTER TABLE \"users\" ADD COLUMN \"email\" TEXT;\n",
            ),
            (
                "20260105120100_index_email",
                "CREATE INDEX CONCURRENTLY \"users_email_idx\" ON \"users\"(\"email\");\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

/// `"col" IS NOT NULL` (parenthesized or not) → `col`.
fn is_not_null_check(expr: &str) -> Option<String> {
    let e = expr
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    let lower = e.to_ascii_lowercase();
    let col = lower.strip_suffix(" is not null")?;
    let raw = &e[..col.len()];
    let raw = raw.trim();
    Some(if raw.starts_with('"') {
        raw.trim_matches('"').to_owned()
    } else {
        raw.to_ascii_lowercase()
    })
}

pub(crate) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    let prisma_multi = ctx.source.layout == Layout::Prisma && ctx.file.statements.len() > 1;
    let mut in_tx = false;
    // Columns with a validated `CHECK (col IS NOT NULL)` so far.
    let mut not_null_checked: Vec<(String, String)> = Vec::new();
    let mut pending_checks: Vec<(String, String, String)> = Vec::new();
    for (i, s) in ctx.file.statements.iter().enumerate() {
        let end = ctx.first_line_end(s);
        for op in &s.ops {
            match &op.kind {
                OpKind::Transaction {
                    kind: TxKind::Begin,
                } => in_tx = true,
                OpKind::Transaction {
                    kind: TxKind::Commit | TxKind::Rollback,
                } => in_tx = false,
                OpKind::CreateIndex {
                    concurrently,
                    table,
                    name,
                    ..
                } if !concurrently && !ctx.table_is_new(i, table) => {
                    let what = name
                        .clone()
                        .map_or_else(|| "an index".to_owned(), |n| format!("index `{n}`"));
                    sink.emit(
                            &REQUIRE_CONCURRENT_INDEX,
                            format!("creating {what} without CONCURRENTLY blocks writes to {table} while it builds"),
                            |d| {
                                d.at(s.line, s.column)
                                    .span_end(s.line, end)
                                    .label("SHARE lock held for the whole index build")
                                    .help("use `CREATE INDEX CONCURRENTLY`, alone in its migration")
                            },
                        );
                }
                OpKind::AddConstraint {
                    table,
                    constraint,
                    not_valid: false,
                } if !ctx.table_is_new(i, table)
                    && matches!(
                        constraint.kind,
                        ConstraintKind::ForeignKey(_) | ConstraintKind::Check { .. }
                    ) =>
                {
                    let facts = lock_facts(&op.kind);
                    let name = constraint.name.clone().unwrap_or_default();
                    sink.emit(
                        &CONSTRAINT_MISSING_NOT_VALID,
                        format!(
                            "adding {} `{name}` checks every row of {table} under a {} lock",
                            constraint.kind.label(),
                            facts.lock.as_sql()
                        ),
                        |d| {
                            d.at(s.line, s.column)
                                .span_end(s.line, end)
                                .help(format!(
                                    "add it with `NOT VALID`, then run `ALTER TABLE {table} VALIDATE CONSTRAINT \"{name}\";` in a later migration"
                                ))
                        },
                    );
                }
                OpKind::AddColumn { table, column, .. } if !ctx.table_is_new(i, table) => {
                    let serial = is_serial_type(&column.data_type);
                    if column.not_null
                        && column.default.is_none()
                        && !column.identity
                        && column.generated.is_none()
                        && !serial
                        && !column.primary_key
                    {
                        sink.emit(
                            &ADDING_REQUIRED_COLUMN,
                            format!(
                                "adding NOT NULL column `{}` without a default fails if {table} has any row",
                                column.name
                            ),
                            |d| {
                                d.at(s.line, s.column)
                                    .span_end(s.line, end)
                                    .help("add a DEFAULT, or add the column nullable, backfill it, then SET NOT NULL")
                            },
                        );
                    }
                    // Before PostgreSQL 11 every default rewrote the table.
                    let volatile = column.default.as_deref().is_some_and(|d| {
                        ctx.config.postgres_version < 11 || is_volatile_default(d)
                    });
                    if volatile || serial || column.identity || column.generated.is_some() {
                        let why = if volatile && ctx.config.postgres_version < 11 {
                            format!(
                                "PostgreSQL {} writes every default into every row",
                                ctx.config.postgres_version
                            )
                        } else if volatile {
                            format!(
                                "its default `{}` is volatile",
                                column.default.clone().unwrap_or_default()
                            )
                        } else if serial {
                            "a SERIAL column takes its values from a sequence, row by row"
                                .to_owned()
                        } else if column.identity {
                            "an identity column is filled row by row".to_owned()
                        } else {
                            "a stored generated column is computed row by row".to_owned()
                        };
                        sink.emit(
                            &ADD_COLUMN_REWRITE,
                            format!(
                                "adding column `{}` rewrites {table} under an ACCESS EXCLUSIVE lock: {why}",
                                column.name
                            ),
                            |d| {
                                d.at(s.line, s.column)
                                    .span_end(s.line, end)
                                    .help("add the column without a default, backfill it in batches, then set the default")
                            },
                        );
                    }
                }
                OpKind::AddConstraint {
                    table,
                    constraint,
                    not_valid,
                } => {
                    if let (ConstraintKind::Check { expr }, Some(name)) =
                        (&constraint.kind, &constraint.name)
                        && let Some(col) = is_not_null_check(expr)
                    {
                        let entry = (table.name.clone(), col);
                        if *not_valid {
                            pending_checks.push((entry.0, entry.1, name.clone()));
                        } else {
                            not_null_checked.push(entry);
                        }
                    }
                }
                OpKind::ValidateConstraint { table, name } => {
                    pending_checks.retain(|(t, c, n)| {
                        if *t == table.name && n == name {
                            not_null_checked.push((t.clone(), c.clone()));
                            false
                        } else {
                            true
                        }
                    });
                }
                OpKind::SetNotNull { table, column } => {
                    let checked = not_null_checked
                        .iter()
                        .any(|(t, c)| *t == table.name && c == column);
                    if !checked && !ctx.table_is_new(i, table) {
                        sink.emit(
                            &SET_NOT_NULL_SCAN,
                            format!("SET NOT NULL on `{column}` scans all of {table} under an ACCESS EXCLUSIVE lock"),
                            |d| {
                                d.at(s.line, s.column)
                                    .span_end(s.line, end)
                                    .label("fails if any row is NULL")
                                    .help(format!("first add `CHECK (\"{column}\" IS NOT NULL) NOT VALID` and VALIDATE it; PostgreSQL 12+ then skips the scan"))
                            },
                        );
                    }
                }
                _ => {}
            }
            let concurrent = matches!(
                op.kind,
                OpKind::CreateIndex {
                    concurrently: true,
                    ..
                } | OpKind::DropIndex {
                    concurrently: true,
                    ..
                }
            );
            if concurrent && (in_tx || prisma_multi) {
                let why = if in_tx {
                    "it stands between BEGIN and COMMIT"
                } else {
                    "Prisma runs this file's statements as one implicit transaction"
                };
                sink.emit(
                    &CONCURRENTLY_IN_TRANSACTION,
                    format!(
                        "{} CONCURRENTLY cannot run inside a transaction block: {why}",
                        op.kind.title()
                    ),
                    |d| {
                        d.at(s.line, s.column)
                            .span_end(s.line, end)
                            .note(
                                "PostgreSQL rejects it and the deployment stops at this migration",
                            )
                            .help("move it into a migration of its own, with no other statement")
                    },
                );
            }
        }
    }
}
