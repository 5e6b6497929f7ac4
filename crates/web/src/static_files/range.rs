//! The `Range` header of a static file request, answered as Tornado's `StaticFileHandler`.

/// What a `Range` header asks of a file of `size` bytes: pure, so every edge case is a
/// table row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RangePlan {
    /// The whole file, 200 (no header, a header Tornado ignores, or a range covering
    /// the whole file).
    Whole,
    /// Bytes `start..end` (end exclusive), 206 with `Content-Range`.
    Partial { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */size`.
    Unsatisfiable,
}

impl RangePlan {
    /// The plan for `header` (the `Range` value, if any) on a file of `size` bytes, as
    /// Tornado's `StaticFileHandler.get`: one `bytes=` range only (a list, another unit
    /// or a malformed number means the whole file); `bytes=-n` is the last `n` bytes; a
    /// start at or past the end, a start past the end of the range, or `bytes=-0` is
    /// unsatisfiable; an end past the file is cut to it.
    pub(crate) fn of(header: Option<&str>, size: u64) -> Self {
        let Some((start, end)) = header.and_then(parse_request_range) else {
            return Self::Whole;
        };
        let size = i128::from(size);
        let start = start.map(|s| if s < 0 { (s + size).max(0) } else { s });
        if start.is_some_and(|s| s >= size || end.is_some_and(|e| s >= e)) || end == Some(0) {
            return Self::Unsatisfiable;
        }
        let end = end.map(|e| e.min(size));
        let (from, to) = (start.unwrap_or(0), end.unwrap_or(size));
        if to - from == size {
            return Self::Whole;
        }
        // In range: 0 <= from < to <= size, and size came from a u64.
        let (Ok(start), Ok(end)) = (u64::try_from(from), u64::try_from(to)) else {
            return Self::Whole;
        };
        Self::Partial { start, end }
    }
}

/// Tornado's `_parse_request_range`: `(start, end)` as slice indexes (end exclusive),
/// `None` for another unit or a value that is not one range of integers.
fn parse_request_range(header: &str) -> Option<(Option<i128>, Option<i128>)> {
    let (unit, value) = header.split_once('=').unwrap_or((header, ""));
    if unit.trim() != "bytes" {
        return None;
    }
    let (start, end) = value.trim().split_once('-').unwrap_or((value.trim(), ""));
    let (mut start, mut end) = (int_or_none(start)?, int_or_none(end)?);
    match (start, end) {
        (None, Some(e)) if e != 0 => {
            start = Some(-e);
            end = None;
        }
        (Some(_), Some(e)) => end = Some(e + 1),
        _ => {}
    }
    Some((start, end))
}

/// An empty (or blank) string is `Some(None)`, an integer `Some(Some(n))`, anything else
/// `None`: a header Tornado ignores.
fn int_or_none(text: &str) -> Option<Option<i128>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(None);
    }
    // Beyond any file size, and far from overflowing the arithmetic above.
    const LIMIT: i128 = 1 << 100;
    text.parse::<i128>()
        .ok()
        .map(|n| Some(n.clamp(-LIMIT, LIMIT)))
}

/// `bytes 0-9/3000`, the `Content-Range` of bytes `start..end` of `size`.
pub(crate) fn content_range(start: u64, end: u64, size: u64) -> String {
    format!("bytes {start}-{}/{size}", end.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::RangePlan::{self, Partial, Unsatisfiable, Whole};
    use super::*;

    #[test]
    fn parses_as_tornado() {
        assert_eq!(parse_request_range("bytes=1-2"), Some((Some(1), Some(3))));
        assert_eq!(parse_request_range("bytes=6-"), Some((Some(6), None)));
        assert_eq!(parse_request_range("bytes=-6"), Some((Some(-6), None)));
        assert_eq!(parse_request_range("bytes=-0"), Some((None, Some(0))));
        assert_eq!(parse_request_range("bytes="), Some((None, None)));
        assert_eq!(parse_request_range("foo=42"), None);
        assert_eq!(parse_request_range("bytes=1-2,6-10"), None);
        assert_eq!(parse_request_range("bytes=x-2"), None);
        assert_eq!(parse_request_range(" bytes = 3 - 4 "), Some((Some(3), Some(5))));
    }

    #[test]
    fn plans_every_edge_of_a_100_byte_file() {
        let rows: &[(&str, RangePlan)] = &[
            ("bytes=0-0", Partial { start: 0, end: 1 }),
            ("bytes=0-9", Partial { start: 0, end: 10 }),
            ("bytes=-5", Partial { start: 95, end: 100 }),
            ("bytes=5-", Partial { start: 5, end: 100 }),
            ("bytes=99-", Partial { start: 99, end: 100 }),
            ("bytes=90-500", Partial { start: 90, end: 100 }),
            ("bytes=0-99", Whole),
            ("bytes=0-", Whole),
            ("bytes=-100", Whole),
            ("bytes=-500", Whole),
            ("bytes=0-1000", Whole),
            ("bytes=", Whole),
            ("bytes=1-2,4-5", Whole),
            ("items=0-5", Whole),
            ("bytes=a-b", Whole),
            ("bytes=100-", Unsatisfiable),
            ("bytes=100-200", Unsatisfiable),
            ("bytes=5-2", Unsatisfiable),
            ("bytes=-0", Unsatisfiable),
            ("bytes=99999999999999999999999999999999999-", Unsatisfiable),
        ];
        for (header, plan) in rows {
            assert_eq!(RangePlan::of(Some(header), 100), *plan, "{header}");
        }
        assert_eq!(RangePlan::of(None, 100), Whole);
        assert_eq!(RangePlan::of(Some("bytes=0-0"), 0), Unsatisfiable);
    }

    #[test]
    fn content_range_is_inclusive() {
        assert_eq!(content_range(0, 10, 3000), "bytes 0-9/3000");
        assert_eq!(content_range(2995, 3000, 3000), "bytes 2995-2999/3000");
    }
}
