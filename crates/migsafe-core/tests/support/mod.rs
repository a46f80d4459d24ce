//! Shared by the stress tests: the process's peak resident size.

/// The peak resident set of this process, in KiB (Linux). `None` (and a
/// printed reason) elsewhere; under `CI=true` that is a failure, since CI
/// runs on Linux.
pub fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok();
    let peak = status.as_deref().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    });
    if peak.is_none() {
        eprintln!("SKIP: no /proc/self/status on this system: memory not measured");
        let ci =
            std::env::var("CI").is_ok_and(|v| matches!(v.trim(), "true" | "1" | "TRUE" | "True"));
        assert!(!ci, "CI runs on Linux: /proc/self/status is needed");
    }
    peak
}
