//! Parses a schema file or folder, prints its diagnostics and, with
//! `--model`, the schema model as JSON.
//!
//! `cargo run -p migsafe-prisma --example check -- prisma/schema.prisma [--model]`

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: check <schema.prisma | folder> [--model]");
        return ExitCode::from(2);
    };
    let schema = match migsafe_prisma::load(Path::new(path)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let rendered = schema.render_diagnostics();
    if !rendered.is_empty() {
        eprintln!("{rendered}");
    }
    if args.iter().any(|a| a == "--model") {
        match serde_json::to_string_pretty(&schema.to_model()) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: {e}"),
        }
    }
    if schema.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
