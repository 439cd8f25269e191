//! `ipcscope completions SHELL` and `ipcscope man`: a completion script and the manual page,
//! both made from the same clap definitions as the command line itself.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::cli::Cli;

/// The completion script for `shell`, written to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "ipcscope", out);
    out.flush()
}

/// The manual page, ipcscope(1) with a section per subcommand, as roff, written to `out`.
pub fn man(out: &mut dyn Write) -> io::Result<()> {
    let mut command = Cli::command();
    command.build();
    clap_mangen::Man::new(command.clone()).render(out)?;
    for subcommand in command
        .get_subcommands()
        .filter(|subcommand| !subcommand.is_hide_set())
    {
        let name = subcommand.get_name();
        writeln!(out, ".SH \"IPCSCOPE {}\"", name.to_uppercase())?;
        let page = clap_mangen::Man::new(subcommand.clone());
        // The subcommand's synopsis, description and options, without a second title.
        page.render_synopsis_section(out)?;
        page.render_description_section(out)?;
        page.render_options_section(out)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_names_every_command_and_option() {
        let mut page = Vec::new();
        man(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(
            page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH ipcscope 1"),
            "{page}"
        );
        for needed in [
            ".TH ipcscope",
            "IPCSCOPE RUN",
            "IPCSCOPE SWEEP",
            "IPCSCOPE COMPARE",
            "\\-\\-baseline",
            "\\-\\-factor",
        ] {
            assert!(page.contains(needed), "no {needed:?} in the man page");
        }
        assert!(!page.contains("__child"), "the internal subcommand stays hidden");
    }
}
