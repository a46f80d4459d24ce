//! The seeded migration-set generator used by the benchmarks.
//!
//! It writes Prisma-style migrations with the statement mix of real Prisma
//! histories (measured on public projects: per 100 statements roughly 30
//! `ADD COLUMN`, 18 `CREATE INDEX`, 20 foreign keys, 8 `CREATE TABLE`, 7
//! `DROP COLUMN`, 5 `CREATE TYPE`, 4 `DROP TABLE`, 3 `ADD VALUE`, 2
//! `DROP INDEX`, …), Prisma's `-- CreateTable` style comments, and override
//! annotations on part of the destructive statements. The same seed always
//! gives the same files.

use std::fmt::Write as _;
use std::path::Path;

/// A small deterministic PRNG (xorshift64*), so the generator needs no
/// dependency and never changes output between versions of one.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len() as u64) as usize]
    }
}

const NOUNS: &[&str] = &[
    "User",
    "Project",
    "Organization",
    "Task",
    "Run",
    "Event",
    "Invoice",
    "Session",
    "Dataset",
    "Trace",
    "Score",
    "Prompt",
    "Model",
    "ApiKey",
    "Member",
    "Invitation",
    "Comment",
    "Job",
    "Schedule",
    "Deployment",
    "Environment",
    "Secret",
    "Webhook",
    "Batch",
    "Queue",
    "Worker",
];
const FIELDS: &[&str] = &[
    "name",
    "slug",
    "status",
    "createdAt",
    "updatedAt",
    "metadata",
    "externalId",
    "priority",
    "version",
    "description",
    "startedAt",
    "completedAt",
    "retries",
    "payload",
    "output",
    "error",
    "tags",
    "cost",
    "durationMs",
    "region",
    "archivedAt",
    "ownerId",
    "title",
];
const TYPES: &[&str] = &[
    "TEXT",
    "TEXT NOT NULL",
    "INTEGER NOT NULL DEFAULT 0",
    "TIMESTAMP(3)",
    "TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP",
    "JSONB",
    "BOOLEAN NOT NULL DEFAULT false",
    "DOUBLE PRECISION",
    "TEXT[] DEFAULT ARRAY[]::TEXT[]",
    "BIGINT",
    "DECIMAL(65,30)",
];

/// A generated migration: directory name and `migration.sql` text.
pub struct Generated {
    pub name: String,
    pub sql: String,
}

/// Generates `count` migrations from `seed`.
pub fn generate(seed: u64, count: usize) -> Vec<Generated> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(count);
    // 2024-01-01 00:00:00 plus a few minutes per migration.
    let mut t: u64 = 0;
    for i in 0..count {
        t += 60 + rng.below(86_400);
        let name = format!("{}_{}", timestamp(t), describe(&mut rng, i));
        let statements = 1 + rng.below(6) as usize;
        let mut sql = String::new();
        let annotate = rng.below(3) != 0;
        if annotate && rng.below(4) == 0 {
            sql.push_str("-- @override-destructive\n-- @rollback-plan: restore from the pre-release backup\n\n");
        }
        for _ in 0..statements {
            statement(&mut rng, &mut sql, annotate);
            sql.push('\n');
        }
        out.push(Generated { name, sql });
    }
    out
}

fn describe(rng: &mut Rng, i: usize) -> String {
    let verb = rng.pick(&[
        "add", "drop", "alter", "index", "create", "rename", "backfill",
    ]);
    let noun = rng.pick(NOUNS).to_ascii_lowercase();
    format!("{verb}_{noun}_{i}")
}

/// Seconds since 2024-01-01 → `YYYYMMDDHHMMSS` (30-day months keep it
/// simple and always a real date).
fn timestamp(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, d) = (2024 + days / 336, days % 336);
    let (mo, day) = (1 + d / 28, 1 + d % 28);
    format!(
        "{y:04}{mo:02}{day:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn statement(rng: &mut Rng, sql: &mut String, annotate: bool) {
    let table = rng.pick(NOUNS);
    let field = rng.pick(FIELDS);
    let roll = rng.below(100);
    let guard = |sql: &mut String, plan: bool| {
        if annotate {
            sql.push_str("-- @override-destructive\n");
            if plan {
                sql.push_str("-- @rollback-plan: copy the data back from the shadow table\n");
            }
        }
    };
    let _ = match roll {
        0..=29 => writeln!(
            sql,
            "-- AlterTable\nALTER TABLE \"{table}\" ADD COLUMN \"{field}\" {};",
            rng.pick(TYPES)
        ),
        30..=47 => {
            let unique = if rng.below(4) == 0 { "UNIQUE " } else { "" };
            writeln!(
                sql,
                "-- CreateIndex\nCREATE {unique}INDEX \"{table}_{field}_idx\" ON \"{table}\"(\"{field}\", \"id\");"
            )
        }
        48..=67 => {
            let target = rng.pick(NOUNS);
            let lower = target.to_ascii_lowercase();
            writeln!(
                sql,
                "-- AddForeignKey\nALTER TABLE \"{table}\" ADD CONSTRAINT \"{table}_{lower}Id_fkey\" FOREIGN KEY (\"{lower}Id\") REFERENCES \"{target}\"(\"id\") ON DELETE {} ON UPDATE CASCADE;",
                rng.pick(&["CASCADE", "RESTRICT", "SET NULL"])
            )
        }
        68..=75 => writeln!(
            sql,
            "-- CreateTable\nCREATE TABLE \"{table}{roll}\" (\n    \"id\" TEXT NOT NULL,\n    \"{field}\" {},\n    \"createdAt\" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    \"updatedAt\" TIMESTAMP(3) NOT NULL,\n\n    CONSTRAINT \"{table}{roll}_pkey\" PRIMARY KEY (\"id\")\n);",
            rng.pick(TYPES)
        ),
        76..=82 => {
            guard(sql, true);
            writeln!(
                sql,
                "-- AlterTable\nALTER TABLE \"{table}\" DROP COLUMN \"{field}\";"
            )
        }
        83..=87 => writeln!(
            sql,
            "-- CreateEnum\nCREATE TYPE \"{table}Status{roll}\" AS ENUM ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED');"
        ),
        88..=91 => {
            guard(sql, true);
            writeln!(sql, "-- DropTable\nDROP TABLE \"{table}{roll}\";")
        }
        92..=94 => writeln!(
            sql,
            "-- AlterEnum\nALTER TYPE \"{table}Status\" ADD VALUE 'CANCELED';"
        ),
        95..=96 => {
            guard(sql, false);
            writeln!(sql, "-- DropIndex\nDROP INDEX \"{table}_{field}_idx\";")
        }
        97 => {
            guard(sql, true);
            writeln!(
                sql,
                "-- AlterTable\nALTER TABLE \"{table}\" ALTER COLUMN \"{field}\" SET DATA TYPE BIGINT;"
            )
        }
        98 => writeln!(
            sql,
            "-- AlterTable\nALTER TABLE \"{table}\" ALTER COLUMN \"{field}\" DROP NOT NULL,\nALTER COLUMN \"{field}\" SET DEFAULT 'x';"
        ),
        _ => writeln!(
            sql,
            "-- DropIndex\nDROP INDEX CONCURRENTLY IF EXISTS \"{table}_{field}_idx\";"
        ),
    };
}

/// Writes the generated set as a Prisma migrations directory.
pub fn write_prisma_dir(dir: &Path, migrations: &[Generated]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("migration_lock.toml"),
        "provider = \"postgresql\"\n",
    )?;
    for m in migrations {
        let d = dir.join(&m.name);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join("migration.sql"), &m.sql)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid_names() {
        let a = generate(7, 50);
        let b = generate(7, 50);
        assert_eq!(
            a.iter().map(|m| &m.sql).collect::<Vec<_>>(),
            b.iter().map(|m| &m.sql).collect::<Vec<_>>()
        );
        let pattern = migsafe_core::naming::NamePattern::default();
        for m in &a {
            assert!(pattern.check(&m.name).is_ok(), "{}", m.name);
        }
        assert!(a.windows(2).all(|w| w[0].name < w[1].name));
    }
}
