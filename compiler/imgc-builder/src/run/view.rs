//! How a running step's output is shown. Not on a terminal: every line, after the step's number
//! (`#3 | …`), as it comes: logs keep all of it. On a terminal: a compact live view, the last
//! few lines of the step redrawn in place under its `#3 RUN …` line, cut to the terminal's
//! width, and replaced when the step ends by one line saying how long it took; a failing step's
//! last lines are in its error.
//!
//! Writes to standard error only.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Lines of the live view.
const WINDOW: usize = 6;

pub struct View {
    prefix: String,
    live: bool,
    window: Vec<String>,
    /// Lines of the view on the screen now.
    shown: usize,
    started: Instant,
    width: usize,
}

impl View {
    /// A view for the step whose lines start with `prefix` (`#3 | `).
    pub fn new(prefix: &str) -> View {
        let live = std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        View { prefix: prefix.to_string(), live, window: Vec::new(), shown: 0, started: Instant::now(), width: width() }
    }

    pub fn line(&mut self, line: &str) {
        let stderr = std::io::stderr();
        let mut out = stderr.lock();
        if !self.live {
            let _ = writeln!(out, "{}{line}", self.prefix);
            return;
        }
        if self.window.len() == WINDOW {
            self.window.remove(0);
        }
        self.window.push(line.to_string());
        let mut text = self.clear();
        for line in &self.window {
            let full = format!("{}{line}", self.prefix);
            let cut: String = full.chars().filter(|c| !c.is_control()).take(self.width.saturating_sub(1)).collect();
            text.push_str(&format!("\x1b[2m{cut}\x1b[0m\n"));
        }
        self.shown = self.window.len();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// The step ended: the live lines give way to one line with its time.
    pub fn finish(&mut self) {
        if !self.live {
            return;
        }
        let text = format!(
            "{}{}done in {:.1}s\n",
            self.clear(),
            self.prefix.trim_end_matches("| "),
            self.started.elapsed().as_secs_f64()
        );
        let stderr = std::io::stderr();
        let mut out = stderr.lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        self.shown = 0;
    }

    /// The escape codes that take the cursor back over the view and clear it.
    fn clear(&self) -> String {
        if self.shown == 0 { String::new() } else { format!("\x1b[{}F\x1b[J", self.shown) }
    }
}

/// The terminal's width (columns), 80 when it cannot be asked.
fn width() -> usize {
    // SAFETY: TIOCGWINSZ fills a winsize struct; a zeroed one is valid.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 { usize::from(size.ws_col) } else { 80 }
}
