//! `imgc completions SHELL` and `imgc man`: what the shell and `man` know about imgc, generated
//! from the same command definition the parser uses, so they never disagree with it.

use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// Prints the completion script of `shell` for the command `C`.
pub fn completions<C: CommandFactory>(shell: clap_complete::Shell) -> ExitCode {
    let mut command = C::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "imgc", &mut out);
    write_stdout(&out)
}

/// Prints the man page of the command `C`, with a section for each subcommand.
pub fn man_page<C: CommandFactory>() -> ExitCode {
    let command = C::command();
    let mut out = Vec::new();
    let rendered = render_man(&command, &mut out);
    match rendered {
        Ok(()) => write_stdout(&out),
        Err(error) => {
            eprintln!("error: cannot render the man page: {error}");
            ExitCode::from(2)
        }
    }
}

/// The page of `imgc` itself, then each subcommand's options under a heading of its own.
fn render_man(command: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("imgc {}", sub.get_name());
        writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
        let page = clap_mangen::Man::new(sub.clone().bin_name(name));
        page.render_synopsis_section(out)?;
        page.render_options_section(out)?;
        if let Some(after) = sub.get_after_help() {
            writeln!(out, ".PP")?;
            for line in after.to_string().lines() {
                writeln!(out, "{}", roff_line(line))?;
                writeln!(out, ".br")?;
            }
        }
    }
    man.render_version_section(out)?;
    Ok(())
}

/// A line of plain text for roff: a leading `.` or `'` would be read as a request, and `\` as
/// an escape.
fn roff_line(line: &str) -> String {
    let escaped = line.replace('\\', "\\e");
    if escaped.starts_with(['.', '\'']) { format!("\\&{escaped}") } else { escaped }
}

fn write_stdout(bytes: &[u8]) -> ExitCode {
    match std::io::stdout().write_all(bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write to standard output: {error}");
            ExitCode::from(2)
        }
    }
}
