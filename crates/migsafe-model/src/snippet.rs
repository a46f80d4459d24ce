//! The part of a source line a diagnostic shows.
//!
//! A minified or generated file can hold a line of megabytes; printing it
//! whole under every finding on it makes the output grow with findings ×
//! line length. As rustc does, a long line is cut to a window around the
//! span, with `…` where text was left out.

use std::borrow::Cow;

/// At most this many characters of a line are shown.
pub const MAX_SHOWN: usize = 160;

/// Characters of context shown before the span when the line is cut.
const CONTEXT_BEFORE: usize = 40;

/// The part of `line` to show for the span of character offsets
/// `start..end`: the text (with `…` where cut) and the span's character
/// offsets in it. A line of at most `max` characters is returned whole.
/// Costs O(`start` + `max`), not O(line), so many findings on one long
/// line stay cheap.
pub fn window(line: &str, start: usize, end: usize, max: usize) -> (Cow<'_, str>, usize, usize) {
    let end = end.max(start);
    // Short lines: nothing to cut (checked without counting the whole line).
    if line.len() <= max.max(CONTEXT_BEFORE + 8) || line.chars().nth(max).is_none() {
        return (Cow::Borrowed(line), start, end);
    }
    let byte = |c: usize| line.char_indices().nth(c).map_or(line.len(), |(i, _)| i);
    let from = byte(start);
    if from == line.len() {
        // The span is past the end of the line: show its end.
        return (Cow::Borrowed("…"), 0, 1);
    }
    let to = from
        + line[from..]
            .char_indices()
            .nth(end - start)
            .map_or(line.len() - from, |(i, _)| i);
    window_bytes(line, from, to, max)
}

/// [`window`] for a span given in bytes of `line` (`start..end`, moved to
/// character boundaries): O(`max`) whatever the line's length and the
/// span's position.
pub fn window_bytes(
    line: &str,
    start: usize,
    end: usize,
    max: usize,
) -> (Cow<'_, str>, usize, usize) {
    let floor = |mut i: usize| {
        i = i.min(line.len());
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (start, end) = (floor(start), floor(end.max(start)));
    let max = max.max(CONTEXT_BEFORE + 8);
    if line.len() <= max {
        let s = line[..start].chars().count();
        let e = s + line[start..end].chars().count();
        return (Cow::Borrowed(line), s, e.max(s + 1));
    }
    let from = line[..start]
        .char_indices()
        .rev()
        .take(CONTEXT_BEFORE)
        .last()
        .map_or(start, |(i, _)| i);
    let shown = max - 2;
    let to = line[from..]
        .char_indices()
        .nth(shown)
        .map(|(i, _)| from + i);
    let lead = usize::from(from > 0);
    let mut out = String::with_capacity(max * 4);
    if from > 0 {
        out.push('…');
    }
    let s = line[from..start].chars().count() + lead;
    let e = match to {
        Some(t) => {
            out.push_str(&line[from..t]);
            out.push('…');
            s + line[start..end.min(t).max(start)].chars().count()
        }
        None => {
            out.push_str(&line[from..]);
            s + line[start..end].chars().count()
        }
    };
    (Cow::Owned(out), s, e.max(s + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_whole() {
        let (t, s, e) = window("ALTER TABLE t DROP COLUMN c;", 14, 27, MAX_SHOWN);
        assert_eq!((&*t, s, e), ("ALTER TABLE t DROP COLUMN c;", 14, 27));
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}DROP TABLE x;{}", "a".repeat(10_000), "b".repeat(10_000));
        let (t, s, e) = window(&line, 10_000, 10_013, 100);
        assert!(t.starts_with('…') && t.ends_with('…'), "{t}");
        assert_eq!(t.chars().count(), 100);
        let shown: String = t.chars().skip(s).take(e - s).collect();
        assert_eq!(shown, "DROP TABLE x;");
        // At the start: no leading ellipsis.
        let (t, s, e) = window(&line, 0, 3, 100);
        assert!(!t.starts_with('…') && t.ends_with('…'));
        assert_eq!((s, e), (0, 3));
        // A span longer than the window ends with it.
        let (t, s, e) = window(&line, 5, 20_000, 100);
        assert!(e <= t.chars().count() && s < e);
        // Past the end.
        let (t, s, e) = window(&line, 50_000, 50_001, 100);
        assert!(s < e && e <= t.chars().count());
    }

    #[test]
    fn byte_spans_give_the_same_window() {
        let line = format!("{}DROP TABLE x;{}", "ä".repeat(10_000), "b".repeat(10_000));
        let at = "ä".len() * 10_000;
        assert_eq!(
            window_bytes(&line, at, at + 13, 100),
            window(&line, 10_000, 10_013, 100)
        );
        assert_eq!(window_bytes("abc", 1, 2, 100), window("abc", 1, 2, 100));
        // Inside a character: moved to its start.
        let (t, s, _) = window_bytes("äb", 1, 3, 100);
        assert_eq!((&*t, s), ("äb", 0));
    }

    #[test]
    fn multibyte_text_is_cut_on_characters() {
        let line = "ユーザー".repeat(500);
        let (t, s, e) = window(&line, 1000, 1004, 60);
        let shown: String = t.chars().skip(s).take(e - s).collect();
        assert_eq!(shown, "ユーザー");
    }
}
