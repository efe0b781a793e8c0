//! Source positions: byte offsets to line/column, and logical-line mapping.

use std::cell::Cell;

use super::ast::{Position, Span};

/// Line-start table for one source text.
#[derive(Debug)]
pub(super) struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
    /// Index of the line found last: the parser asks for positions in
    /// source order, so the next one is mostly on that line or the next.
    hint: Cell<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `src`; line 1 starts at `first` (after a byte-order mark).
    pub(super) fn new(src: &'a str, first: usize) -> Self {
        // Dockerfile lines run to a few dozen bytes: room for most files at once.
        let mut starts = Vec::with_capacity(src.len() / 16 + 2);
        starts.push(first);
        starts.extend(memchr::memchr_iter(b'\n', src.as_bytes()).map(|i| i + 1));
        Self { src, starts, hint: Cell::new(0) }
    }

    /// Where each line starts (line 1 after a byte-order mark).
    pub(super) fn starts(&self) -> &[usize] {
        &self.starts
    }

    /// Position of byte `offset` (clamped to the text).
    pub(super) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.src.len());
        let line = self.line_number(offset);
        let start = self.starts[line - 1].min(offset);
        // Columns count characters; in ASCII text they are byte differences.
        let column = if self.src.as_bytes()[start..offset].is_ascii() {
            offset - start + 1
        } else {
            self.src.get(start..offset).map_or(0, |s| s.chars().count()) + 1
        };
        Position { line, column, offset }
    }

    /// 1-based line holding byte `offset`.
    pub(super) fn line_number(&self, offset: usize) -> usize {
        let on = |i: usize| {
            self.starts.get(i).is_some_and(|&s| s <= offset) && self.starts.get(i + 1).is_none_or(|&next| offset < next)
        };
        let hint = self.hint.get();
        let index = if on(hint) {
            hint
        } else if on(hint + 1) {
            hint + 1
        } else {
            self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
        };
        self.hint.set(index);
        index + 1
    }

    /// Span of the byte range `start..end`.
    pub(super) fn span(&self, start: usize, end: usize) -> Span {
        let start = self.position(start);
        let end = end.max(start.offset).min(self.src.len());
        // Most spans end on the line they start on: count on from the start.
        let next_line = self.starts.get(start.line).copied().unwrap_or(usize::MAX);
        let rest = &self.src.as_bytes()[start.offset..end];
        if end < next_line && rest.is_ascii() {
            let column = start.column + rest.len();
            return Span { start, end: Position { line: start.line, column, offset: end } };
        }
        Span { start, end: self.position(end) }
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
    /// An empty line with room for the instructions of a file of `len` bytes.
    pub(super) fn for_file(len: usize) -> Self {
        Self { text: String::with_capacity(len.min(1024)), pieces: Vec::with_capacity(16), source_end: 0 }
    }

    /// Empties the line, keeping its buffers for the next one.
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.pieces.clear();
        self.source_end = 0;
    }

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
