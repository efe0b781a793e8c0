//! Source positions: byte offsets to line/column, and logical-line mapping.

use super::ast::{Position, Span};

/// Line-start table for one source text.
#[derive(Debug)]
pub(super) struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
    /// Whether each line is ASCII (columns are then byte differences).
    ascii: Vec<bool>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `src`; line 1 starts at `first` (after a byte-order mark).
    pub(super) fn new(src: &'a str, first: usize) -> Self {
        let mut starts = vec![first];
        starts.extend(src.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        let ascii = starts
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let end = starts.get(i + 1).copied().unwrap_or(src.len());
                src.get(s..end).is_some_and(str::is_ascii)
            })
            .collect();
        Self { src, starts, ascii }
    }

    /// Position of byte `offset` (clamped to the text).
    pub(super) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.src.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1].min(offset);
        let column = if self.ascii.get(line - 1).copied().unwrap_or(false) {
            offset - start + 1
        } else {
            self.src.get(start..offset).map_or(0, |s| s.chars().count()) + 1
        };
        Position { line, column, offset }
    }

    /// Span of the byte range `start..end`.
    pub(super) fn span(&self, start: usize, end: usize) -> Span {
        Span { start: self.position(start), end: self.position(end.max(start)) }
    }
}

/// An instruction's continued lines joined into one string, remembering where
/// each piece came from so logical offsets map back to the source.
#[derive(Debug, Default, Clone)]
pub(super) struct LogicalLine {
    pub(super) text: String,
    /// `(logical start, source start)` of each piece, in order.
    pieces: Vec<(usize, usize)>,
    /// Source offset just past the last piece.
    source_end: usize,
}

impl LogicalLine {
    /// Appends the source slice starting at `source_start`.
    pub(super) fn push(&mut self, piece: &str, source_start: usize) {
        self.pieces.push((self.text.len(), source_start));
        self.text.push_str(piece);
        self.source_end = source_start + piece.len();
    }

    /// Each piece's `(logical start, source start)`.
    pub(super) fn pieces(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.pieces.iter().copied()
    }

    /// Source offset of logical offset `logical`, as a start position.
    pub(super) fn to_source(&self, logical: usize) -> usize {
        if logical >= self.text.len() {
            return self.source_end;
        }
        let idx = self.pieces.partition_point(|&(l, _)| l <= logical);
        match idx.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(&(l, s)) => s + (logical - l),
            None => self.source_end,
        }
    }

    /// Source offset of logical offset `logical`, as an end position (stays
    /// on the piece holding the previous character).
    pub(super) fn to_source_end(&self, logical: usize) -> usize {
        if logical == 0 {
            return self.to_source(0);
        }
        let logical = logical.min(self.text.len());
        let idx = self.pieces.partition_point(|&(l, _)| l < logical);
        match idx.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(&(l, s)) => s + (logical - l),
            None => self.source_end,
        }
    }
}
