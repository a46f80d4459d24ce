//! The embeddable migsafe engine: config, rules, check(project) -> Report, and renderers
