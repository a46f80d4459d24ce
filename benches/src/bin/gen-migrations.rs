//! `cargo run -p migsafe-benches --bin gen-migrations -- DIR [COUNT] [SEED]`
//! writes a seeded Prisma migrations directory for benchmarks and
//! whole-process timing.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: gen-migrations DIR [COUNT=2000] [SEED=1]");
        return ExitCode::from(2);
    };
    let count = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let set = migsafe_benches::generate(seed, count);
    match migsafe_benches::write_prisma_dir(&dir, &set) {
        Ok(()) => {
            let bytes: usize = set.iter().map(|m| m.sql.len()).sum();
            println!(
                "wrote {count} migrations ({bytes} bytes) to {}",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", dir.display());
            ExitCode::from(2)
        }
    }
}
