use super::*;

fn g() -> Grammar {
    Grammar::default()
}

#[test]
fn parses_each_spelling() {
    for w in DEFAULT_OVERRIDES {
        let d = parse_comment(&g(), &format!(" @{w}"));
        assert_eq!(d, vec![(1, Directive::Override(w.to_owned()))]);
    }
}

#[test]
fn parses_plan_and_approvals() {
    assert_eq!(
        parse_comment(&g(), " @rollback-plan: Restore from backup "),
        vec![(1, Directive::RollbackPlan("Restore from backup".into()))]
    );
    assert_eq!(
        parse_comment(&g(), " @approved-by: alice,  bob ,"),
        vec![(1, Directive::ApprovedBy(vec!["alice".into(), "bob".into()]))]
    );
    assert_eq!(
        parse_comment(&g(), " @override-destructive @rollback-plan: x"),
        vec![
            (1, Directive::Override("override-destructive".into())),
            (23, Directive::RollbackPlan("x".into()))
        ]
    );
}

#[test]
fn ignores_non_directives() {
    assert!(parse_comment(&g(), " DropTable").is_empty());
    assert!(parse_comment(&g(), " see @override-destructive").is_empty());
    assert!(parse_comment(&g(), " @author someone").is_empty());
    assert!(parse_comment(&g(), "@").is_empty());
}

#[test]
fn typos_are_suggested() {
    for (typo, want) in [
        ("overide-destructive", "override-destructive"),
        ("override-destructve", "override-destructive"),
        ("allow-destrutive", "allow-destructive"),
        ("rollback_plan", "rollback-plan"),
        ("rollbackplan", "rollback-plan"),
        ("destructive-override", "override-destructive"),
        ("aproved-by", "approved-by"),
    ] {
        let d = parse_comment(&g(), &format!(" @{typo}: x"));
        assert_eq!(
            d,
            vec![(
                1,
                Directive::LikelyTypo {
                    word: typo.into(),
                    suggestion: want.into()
                }
            )],
            "{typo}"
        );
    }
}

fn stmt(start: usize, end: usize, line: u32, end_line: u32) -> StatementInput {
    StatementInput {
        start,
        end,
        line,
        end_line,
    }
}

fn com(offset: usize, line: u32, body: &str, own_line: bool) -> CommentInput<'_> {
    CommentInput {
        offset,
        line,
        column: 1,
        body,
        own_line,
    }
}

#[test]
fn statement_scope_does_not_leak() {
    // 1: -- @override-destructive
    // 2: DROP INDEX a;     (offsets 30..43)
    // 3: DROP INDEX b;     (offsets 44..57)
    let r = resolve(
        &g(),
        &[com(0, 1, " @override-destructive", true)],
        &[stmt(30, 43, 2, 2), stmt(44, 57, 3, 3)],
    );
    assert!(r.effective(0).is_overridden());
    assert!(!r.effective(1).is_overridden());
    assert!(!r.file.is_overridden());
}

#[test]
fn leading_block_with_blank_line_is_file_scope() {
    // 1: -- @override-destructive
    // 2:
    // 3: -- DropTable
    // 4: DROP TABLE a;
    // 5: DROP TABLE b;
    let r = resolve(
        &g(),
        &[
            com(0, 1, " @override-destructive", true),
            com(30, 3, " DropTable", true),
        ],
        &[stmt(40, 53, 4, 4), stmt(54, 67, 5, 5)],
    );
    assert!(r.file.is_overridden());
    assert!(r.effective(0).is_overridden());
    assert!(r.effective(1).is_overridden());
}

#[test]
fn block_above_a_later_statement() {
    let r = resolve(
        &g(),
        &[
            com(20, 3, " DropTable", true),
            com(35, 4, " @allow-destructive", true),
            com(60, 5, " @rollback-plan: restore", true),
        ],
        &[stmt(0, 10, 1, 1), stmt(90, 100, 6, 6), stmt(101, 110, 7, 7)],
    );
    assert!(!r.effective(0).is_overridden());
    assert!(r.effective(1).is_overridden());
    assert_eq!(r.effective(1).plan(), Some("restore"));
    assert!(!r.effective(2).is_overridden());
}

#[test]
fn trailing_and_inner_comments_belong_to_their_statement() {
    let r = resolve(
        &g(),
        &[
            com(15, 1, " @override-destructive", false),
            com(60, 3, " @migration-override", true),
        ],
        &[stmt(0, 14, 1, 1), stmt(40, 80, 2, 4)],
    );
    assert!(r.effective(0).is_overridden());
    assert!(r.effective(1).is_overridden());
}

#[test]
fn statement_plan_wins_over_file_plan() {
    let r = resolve(
        &g(),
        &[
            com(0, 1, " @rollback-plan: file plan", true),
            com(40, 5, " @rollback-plan: own plan", true),
        ],
        &[stmt(20, 30, 3, 3), stmt(70, 80, 6, 6)],
    );
    assert_eq!(r.effective(0).plan(), Some("file plan"));
    assert_eq!(r.effective(1).plan(), Some("own plan"));
}

#[test]
fn orphans_and_empty_values_are_issues() {
    let r = resolve(
        &g(),
        &[
            com(0, 1, " @rollback-plan:", true),
            com(40, 5, " @override-destructive", true),
        ],
        &[stmt(20, 30, 2, 2)],
    );
    let kinds: Vec<_> = r.issues.iter().map(|i| i.kind.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            IssueKind::EmptyValue {
                directive: ROLLBACK_PLAN
            },
            IssueKind::Orphan
        ]
    );
}

#[test]
fn configured_spellings() {
    let g = Grammar {
        overrides: vec!["dba-approved".into()],
    };
    assert_eq!(
        parse_comment(&g, " @dba-approved"),
        vec![(1, Directive::Override("dba-approved".into()))]
    );
    assert!(
        parse_comment(&g, " @override-destructive").is_empty()
            || matches!(
                parse_comment(&g, " @override-destructive")[0].1,
                Directive::LikelyTypo { .. }
            )
    );
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_comment_never_panics(body in "\\PC*") {
            let _ = parse_comment(&Grammar::default(), &body);
        }

        #[test]
        fn parse_comment_never_panics_on_directive_soup(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("@".to_owned()), Just("@override-destructive".to_owned()),
                    Just("@rollback-plan".to_owned()), Just(":".to_owned()), Just(",".to_owned()),
                    Just(" ".to_owned()), Just("é".to_owned()), "[a-z-]{0,12}".prop_map(|s| s)
                ], 0..12)
        ) {
            let body = parts.concat();
            let _ = parse_comment(&Grammar::default(), &body);
        }

        #[test]
        fn resolve_never_panics(
            lines in proptest::collection::vec((0u32..30, any::<bool>(), 0usize..300), 0..20),
            stmts in proptest::collection::vec((0usize..300, 0usize..40, 0u32..30), 0..10),
        ) {
            let mut comments: Vec<CommentInput<'_>> = lines.iter().map(|(line, own, off)| CommentInput {
                offset: *off, line: *line, column: 1, body: " @override-destructive", own_line: *own,
            }).collect();
            comments.sort_by_key(|c| c.offset);
            let mut statements: Vec<StatementInput> = stmts.iter().map(|(s, len, line)| StatementInput {
                start: *s, end: s + len, line: *line, end_line: line + 1,
            }).collect();
            statements.sort_by_key(|s| s.start);
            let r = resolve(&Grammar::default(), &comments, &statements);
            prop_assert_eq!(r.statements.len(), statements.len());
        }
    }
}

#[test]
fn rollback_plan_continues_on_indented_lines() {
    let r = resolve(
        &g(),
        &[
            com(0, 1, " @override-destructive", true),
            com(30, 2, " @rollback-plan: 1) Create backup table,", true),
            com(80, 3, "   2) Migrate data, 3) Verify", true),
            com(120, 4, " DropTable", true),
        ],
        &[stmt(140, 150, 5, 5)],
    );
    assert_eq!(
        r.effective(0).plan(),
        Some("1) Create backup table, 2) Migrate data, 3) Verify")
    );
}
