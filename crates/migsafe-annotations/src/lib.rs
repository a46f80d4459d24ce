//! The migsafe annotation language in SQL comments: @override-destructive, @rollback-plan and friends, their scope and typo hints
