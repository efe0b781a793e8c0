//! Progress bars on standard error, when it is a terminal; nothing otherwise.

use std::io::IsTerminal;

/// A bar for `total` bytes labelled `label`; hidden when standard error is not a terminal.
pub fn bar(label: &str, total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let template = "{msg:24} {bar:30} {bytes:>10}/{total_bytes:10} {bytes_per_sec}";
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(label.to_string());
    bar
}

/// Where the bars of layers written at once are drawn, one line each; nowhere when standard error
/// is not a terminal.
pub fn bars() -> indicatif::MultiProgress {
    if !std::io::stderr().is_terminal() {
        return indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    indicatif::MultiProgress::new()
}
