//! Positions: byte offsets of the compiler's spans to and from the protocol's lines and UTF-16
//! columns, and applying an editor's changes to a document's text.
//!
//! Must never depend on: the compiler, the server's state.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// Line starts of one text, for converting offsets both ways.
pub struct LineIndex<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { text, line_starts }
    }

    /// The protocol position of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let start = self.line_starts[line];
        let column: usize = self.text.get(start..offset).map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position::new(line as u32, column as u32)
    }

    pub fn range(&self, range: std::ops::Range<usize>) -> Range {
        Range::new(self.position(range.start), self.position(range.end))
    }

    /// The byte offset of a protocol position; past a line's end is its end, past the last line
    /// is the text's end.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.line_starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self.line_starts.get(position.line as usize + 1).map_or(self.text.len(), |&next| next - 1);
        let mut units = 0u32;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= position.character {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }

    /// The line (0-based) of a byte offset.
    pub fn line(&self, offset: usize) -> u32 {
        self.position(offset).line
    }
}

/// Applies an editor's changes in order (whole-text or ranged).
pub fn apply_changes(text: &mut String, changes: Vec<TextDocumentContentChangeEvent>) {
    for change in changes {
        match change.range {
            None => *text = change.text,
            Some(range) => {
                let index = LineIndex::new(text);
                let start = index.offset(range.start);
                let end = index.offset(range.end).max(start);
                text.replace_range(start..end, &change.text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_round_trip_with_utf16_columns() {
        let text = "let a = \"é𝄞x\"\nrun \"y\"\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(x), Position::new(0, 12));
        assert_eq!(index.offset(Position::new(0, 12)), x);
        assert_eq!(index.offset(Position::new(1, 0)), text.find("run").unwrap());
        assert_eq!(index.offset(Position::new(1, 99)), text.len() - 1);
        assert_eq!(index.offset(Position::new(9, 0)), text.len());
    }

    #[test]
    fn ranged_changes_edit_in_place() {
        let mut text = "let a = 1\nlet b = 2\n".to_string();
        apply_changes(
            &mut text,
            vec![TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(1, 4), Position::new(1, 5))),
                range_length: None,
                text: "count".into(),
            }],
        );
        assert_eq!(text, "let a = 1\nlet count = 2\n");
    }
}
