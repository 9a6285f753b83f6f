//! The command line's error texts: the library's errors name parameters ("invalid
//! learning rate -1"), these name the flags that set them ("invalid --lr -1"), in one line,
//! with exit code 2 for a flag's value or flags that do not go together, as the parser's
//! own errors; every other error exits with 1.

use std::process::ExitCode;

use makemore::Error;

use crate::cli::output::PipeClosed;

/// A flag's value out of its range, or flags that do not go together: one line, exit code 2.
#[derive(Debug)]
pub struct FlagError(pub String);

impl std::fmt::Display for FlagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FlagError {}

/// The long flags of one command, to name the flag that sets a parameter.
pub struct Flags {
    /// Each long flag, and whether it takes a value (a switch does not).
    longs: Vec<(String, bool)>,
}

/// Parameters whose flag is not their name with `-` for spaces.
const SPELLED_OUT: [(&str, &str); 3] = [("learning rate", "lr"), ("regularization", "reg"), ("decay step", "decay-at")];

impl Flags {
    /// The long flags of `command`.
    pub fn of(command: &clap::Command) -> Flags {
        let longs = command
            .get_arguments()
            .filter_map(|a| a.get_long().map(|l| (l.to_string(), a.get_action().takes_values())))
            .collect();
        Flags { longs }
    }

    /// The flag that sets the parameter `name` (`--lr` for "learning rate"); None when this
    /// command has none.
    pub fn flag_of(&self, name: &str) -> Option<String> {
        self.setting(name).map(|(flag, _)| flag)
    }

    /// The flag that sets the parameter `name`, and whether it takes a value.
    fn setting(&self, name: &str) -> Option<(String, bool)> {
        let long = match SPELLED_OUT.iter().find(|(n, _)| *n == name) {
            Some((_, long)) => long.to_string(),
            None => name.replace(' ', "-"),
        };
        self.longs.iter().find(|(l, _)| *l == long).map(|(l, takes)| (format!("--{l}"), *takes))
    }

    /// The library's refusal of a parameter as the refusal of the flag that set it: one
    /// line naming the flag, its value and its range, a [`FlagError`]. Other errors as they are.
    pub fn name_flag(&self, e: anyhow::Error) -> anyhow::Error {
        let text = match e.downcast_ref::<Error>() {
            Some(Error::BadParameter { name, value, expected }) => match self.setting(name) {
                Some((flag, true)) => format!("invalid {flag} {value}: {expected}"),
                Some((flag, false)) => format!("invalid {flag}: {expected}"),
                None => return e,
            },
            Some(Error::TooLargeFor { name, value, max, why }) => match self.setting(name) {
                Some((flag, _)) => format!("invalid {flag} {value}: must be from 1 to {max} {why}"),
                None => return e,
            },
            Some(Error::Usage(text)) => text.clone(),
            _ => return e,
        };
        FlagError(text).into()
    }
}

/// The end of a command: success, or its error in one line and the exit code (2 for a
/// flag's value or flags that do not go together, 1 for the rest). A closed stdout is a
/// quiet success.
pub fn exit(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<PipeClosed>() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("makemore: error: {e:#}");
            if e.is::<FlagError>() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

/// `flags` as a list: "--a", "--a and --b", "--a, --b and --c", with the verb that agrees
/// ("applies", "apply").
pub fn flag_list(flags: &[String], one: &str, many: &str) -> (String, String) {
    let list: Vec<String> = flags.iter().map(|f| format!("--{f}")).collect();
    match list.split_last() {
        Some((last, rest)) if !rest.is_empty() => (format!("{} and {last}", rest.join(", ")), many.into()),
        _ => (list.join(""), one.into()),
    }
}
