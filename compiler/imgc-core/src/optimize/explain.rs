//! The explain log: every merge, move, grouping and drop a pass made, and every one it refused,
//! with the steps concerned and the reason.

use super::Pass;
use crate::ir::Stage;
use crate::source::Span;
use serde::Serialize;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Steps joined into one instruction.
    Merged,
    /// A step put in `( … )` inside a merged `RUN`.
    Wrapped,
    /// `hash -r` put before a step inside a merged `RUN`, so that it looks its command up afresh.
    Rehashed,
    /// A merge or move that would change what the image is, so it was not made.
    Refused,
    /// An instruction placed later in its stage.
    Moved,
    /// Instructions of one kind written as one.
    Grouped,
    /// A stage left out of the Dockerfile.
    Dropped,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Merged => "merged",
            EventKind::Wrapped => "wrapped",
            EventKind::Rehashed => "rehashed",
            EventKind::Refused => "refused",
            EventKind::Moved => "moved",
            EventKind::Grouped => "grouped",
            EventKind::Dropped => "dropped",
        }
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub pass: Pass,
    /// The stage's name; `image` for an unnamed image.
    pub stage: String,
    pub kind: EventKind,
    /// Where the steps concerned are written, first the one the message is about.
    pub steps: Vec<Span>,
    /// Why, in words, without locations.
    pub message: String,
}

/// The log the passes write to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explain {
    events: Vec<Event>,
}

impl Explain {
    pub fn record(
        &mut self,
        pass: Pass,
        stage: &Stage,
        kind: EventKind,
        mut steps: Vec<Span>,
        message: impl Into<String>,
    ) {
        steps.dedup();
        self.events.push(Event { pass, stage: stage_label(stage), kind, steps, message: message.into() });
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

/// How a stage is named in the log and in `imgc explain`.
pub fn stage_label(stage: &Stage) -> String {
    stage.name.clone().unwrap_or_else(|| "image".to_string())
}
