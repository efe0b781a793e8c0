//! `imgc explain`: for each stage, the steps as written beside the instructions they became, then
//! every merge, move, grouping and drop with its reason, and every one refused with its reason.
//! Text for people, JSON for tools.

use super::explain::{EventKind, Explain, stage_label};
use super::{Optimize, Pass};
use crate::emit::dockerfile::{Emitted, Target};
use crate::ir::Program;
use crate::source::{SourceMap, Span};
use serde::Serialize;

/// Everything `imgc explain` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub file: String,
    pub target: &'static str,
    /// The passes that ran, in order.
    pub passes: Vec<&'static str>,
    /// The global build arguments.
    pub args: Vec<Row>,
    pub stages: Vec<StageReport>,
    /// What happened to stages that are not in the output.
    pub dropped: Vec<EventReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageReport {
    pub name: String,
    /// The `FROM` line, then one row per instruction, in the order of the Dockerfile.
    pub rows: Vec<Row>,
    pub events: Vec<EventReport>,
}

/// An emitted instruction and the steps it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub sources: Vec<Place>,
    pub emitted: String,
}

/// A place in a source file, with its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventReport {
    pub pass: Pass,
    pub kind: EventKind,
    pub steps: Vec<Place>,
    pub message: String,
}

/// Puts the optimized program, its Dockerfile and the log side by side.
pub fn report(
    program: &Program,
    explain: &Explain,
    emitted: &Emitted,
    sources: &SourceMap,
    target: Target,
    options: &Optimize,
) -> Report {
    let place = |span: Span| place(sources, span);
    let args = program
        .args
        .iter()
        .zip(&emitted.args)
        .map(|(arg, line)| Row { sources: vec![place(arg.span)], emitted: line.clone() })
        .collect();
    let mut events: Vec<&super::Event> = explain.events().iter().collect();
    // By pass, then by where the step is written; one step's events keep their order.
    events.sort_by_key(|e| {
        let first = e.steps.first().map(|s| (s.file, s.start));
        (Pass::ALL.iter().position(|p| *p == e.pass), first)
    });
    let event = |e: &&super::Event| EventReport {
        pass: e.pass,
        kind: e.kind,
        steps: e.steps.iter().map(|s| place(*s)).collect(),
        message: e.message.clone(),
    };
    let mut stages = Vec::new();
    for (stage, text) in program.stages.iter().zip(&emitted.stages) {
        let name = stage_label(stage);
        let mut rows = vec![Row { sources: vec![place(stage.span)], emitted: text.from.clone() }];
        for (instruction, line) in stage.instructions.iter().zip(&text.instructions) {
            if let Some(line) = line {
                rows.push(Row { sources: instruction.origins().map(place).collect(), emitted: line.clone() });
            }
        }
        let events = events.iter().filter(|e| e.stage == name && e.kind != EventKind::Dropped).map(event).collect();
        stages.push(StageReport { name, rows, events });
    }
    let dropped = events.iter().filter(|e| e.kind == EventKind::Dropped).map(event).collect();
    Report {
        file: program.source_name.clone(),
        target: match target {
            Target::Buildkit => "buildkit",
            Target::Classic => "classic",
        },
        passes: options.passes().map(Pass::name).collect(),
        args,
        stages,
        dropped,
    }
}

fn place(sources: &SourceMap, span: Span) -> Place {
    let Some(file) = sources.get(span.file) else {
        return Place { file: String::new(), line: 0, column: 0, text: String::new() };
    };
    let (line, column) = file.line_col(span.start as usize);
    // The line holding the span, found from the span (not by counting lines: a program with
    // many steps has as many places).
    let start = (span.start as usize).min(file.text.len());
    let line_start = file.text.get(..start).and_then(|before| before.rfind('\n')).map_or(0, |i| i + 1);
    let rest = file.text.get(line_start..).unwrap_or_default();
    let text = rest[..rest.find('\n').unwrap_or(rest.len())].trim().to_string();
    Place { file: file.name.clone(), line, column, text }
}

/// Columns of the side-by-side view.
const SOURCE_WIDTH: usize = 40;

impl Place {
    fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    fn short_text(&self) -> String {
        if self.text.chars().count() <= SOURCE_WIDTH {
            return self.text.clone();
        }
        let cut: String = self.text.chars().take(SOURCE_WIDTH - 1).collect();
        format!("{cut}…")
    }
}

impl Report {
    /// The text `imgc explain` prints.
    pub fn render(&self) -> String {
        let all_places = self
            .args
            .iter()
            .chain(self.stages.iter().flat_map(|s| &s.rows))
            .flat_map(|r| &r.sources)
            .map(|p| p.location().chars().count());
        let location_width = all_places.max().unwrap_or(0);
        let passes = if self.passes.is_empty() { "none".to_string() } else { self.passes.join(", ") };
        let mut out = format!("imgc explain {} (target {}; passes: {passes})\n", self.file, self.target);
        if !self.args.is_empty() {
            out.push_str("\nglobal build arguments\n");
            for row in &self.args {
                render_row(&mut out, row, location_width);
            }
        }
        for stage in &self.stages {
            out.push_str(&format!("\nstage {}\n", stage.name));
            for row in &stage.rows {
                render_row(&mut out, row, location_width);
            }
            render_events(&mut out, &stage.events);
        }
        if !self.dropped.is_empty() {
            out.push_str("\ndropped stages\n");
            render_events(&mut out, &self.dropped);
        }
        out
    }

    /// The report as one JSON document.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// One line per line of the instruction; the steps it came from beside the first lines.
fn render_row(out: &mut String, row: &Row, location_width: usize) {
    let lines: Vec<&str> = row.emitted.lines().collect();
    let count = lines.len().max(row.sources.len());
    for i in 0..count {
        let left = match row.sources.get(i) {
            Some(place) => format!("{:<location_width$}  {}", place.location(), place.short_text()),
            None => String::new(),
        };
        let right = lines.get(i).copied().unwrap_or("");
        let line = format!("  {left:<width$} │ {right}", width = location_width + 2 + SOURCE_WIDTH);
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn render_events(out: &mut String, events: &[EventReport]) {
    for event in events {
        let locations: Vec<String> = event.steps.iter().map(Place::location).collect();
        out.push_str(&format!(
            "  {:<13} {:<8} {}: {}\n",
            event.pass.name(),
            event.kind.as_str(),
            locations.join(", "),
            event.message
        ));
    }
}
