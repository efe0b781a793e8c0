//! The parse tree the builder reads: every node of one parse in one `Vec`, in the order pest
//! yields its pairs (a node, then its children), each with its grammar rule, its byte range and
//! the index just past its subtree. Both parsers produce it: the hand-written one in `fast` and,
//! through [`from_pest`], pest's. [`Pair`] and [`Pairs`] are borrowed handles offering what the
//! builder used of pest's types of the same names.
//!
//! Must never depend on: the builder, the AST, or pest anywhere but [`from_pest`].

use super::Rule;

/// One node: a rule matched over `start..end`; its children are the nodes from the next index up
/// to `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Node {
    pub rule: Rule,
    pub start: u32,
    pub end: u32,
    pub after: u32,
}

/// A whole parse: the text and its nodes, the first being the root (`file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tree<'i> {
    pub text: &'i str,
    pub nodes: Vec<Node>,
}

impl<'i> Tree<'i> {
    /// The first top-level node, the root of a complete parse.
    pub fn root(&self) -> Option<Pair<'_>> {
        (!self.nodes.is_empty()).then_some(Pair { text: self.text, nodes: &self.nodes, index: 0 })
    }
}

/// A node of a tree, with the text it was parsed from.
#[derive(Debug, Clone)]
pub(super) struct Pair<'t> {
    text: &'t str,
    nodes: &'t [Node],
    index: usize,
}

impl<'t> Pair<'t> {
    fn node(&self) -> Node {
        self.nodes[self.index]
    }

    pub fn as_rule(&self) -> Rule {
        self.node().rule
    }

    pub fn start(&self) -> usize {
        self.node().start as usize
    }

    pub fn end(&self) -> usize {
        self.node().end as usize
    }

    /// The text the node matched.
    pub fn as_str(&self) -> &'t str {
        self.text.get(self.start()..self.end()).unwrap_or("")
    }

    /// The whole text the tree was parsed from.
    pub fn input(&self) -> &'t str {
        self.text
    }

    /// The node's children, in order.
    pub fn into_inner(self) -> Pairs<'t> {
        Pairs { text: self.text, nodes: self.nodes, next: self.index + 1, end: self.node().after as usize }
    }
}

/// The children of a node, or any run of siblings.
#[derive(Debug, Clone)]
pub(super) struct Pairs<'t> {
    text: &'t str,
    nodes: &'t [Node],
    next: usize,
    end: usize,
}

impl<'t> Iterator for Pairs<'t> {
    type Item = Pair<'t>;

    fn next(&mut self) -> Option<Pair<'t>> {
        if self.next >= self.end {
            return None;
        }
        let pair = Pair { text: self.text, nodes: self.nodes, index: self.next };
        self.next = (pair.node().after as usize).max(self.next + 1);
        Some(pair)
    }

    /// The exact count, found by stepping over the siblings' subtrees, so that a `collect`
    /// allocates once and no more than it needs.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let mut count = 0;
        let mut next = self.next;
        while next < self.end {
            next = (self.nodes[next].after as usize).max(next + 1);
            count += 1;
        }
        (count, Some(count))
    }
}

/// Copies pest's pairs into a tree. `None` when the text is too long for the tree's offsets.
pub(super) fn from_pest<'i>(text: &'i str, pairs: pest::iterators::Pairs<'i, Rule>) -> Option<Tree<'i>> {
    fn push(nodes: &mut Vec<Node>, pair: pest::iterators::Pair<'_, Rule>) -> Option<()> {
        let span = pair.as_span();
        let index = nodes.len();
        let (start, end) = (u32::try_from(span.start()).ok()?, u32::try_from(span.end()).ok()?);
        nodes.push(Node { rule: pair.as_rule(), start, end, after: 0 });
        for child in pair.into_inner() {
            push(nodes, child)?;
        }
        nodes[index].after = u32::try_from(nodes.len()).ok()?;
        Some(())
    }
    let mut nodes = Vec::new();
    for pair in pairs {
        push(&mut nodes, pair)?;
    }
    Some(Tree { text, nodes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_are_walked_in_order_skipping_grandchildren() {
        // file(0..9) { run(0..9) { expr(4..9) { term(4..9) } clauses(9..9) } EOI(9..9) }
        let node = |rule, start, end, after| Node { rule, start, end, after };
        let tree = Tree {
            text: "run \"abc\"",
            nodes: vec![
                node(Rule::file, 0, 9, 6),
                node(Rule::run, 0, 9, 5),
                node(Rule::expr, 4, 9, 4),
                node(Rule::term, 4, 9, 4),
                node(Rule::clauses, 9, 9, 5),
                node(Rule::EOI, 9, 9, 6),
            ],
        };
        let root = tree.root().expect("a root");
        let children: Vec<Rule> = root.clone().into_inner().map(|p| p.as_rule()).collect();
        assert_eq!(children, [Rule::run, Rule::EOI]);
        let run = root.clone().into_inner().next().expect("run");
        let parts: Vec<(Rule, &str)> = run.clone().into_inner().map(|p| (p.as_rule(), p.as_str())).collect();
        assert_eq!(parts, [(Rule::expr, "\"abc\""), (Rule::clauses, "")]);
        assert_eq!(run.input(), tree.text);
    }
}
