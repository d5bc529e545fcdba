//! Loading redis.conf, as redis-server 7.0 does (`loadServerConfig`): one
//! directive per line, quoted as `sdssplitargs`, `include` of other files
//! (relative to the working directory, `*` patterns allowed), repeated
//! `save` lines accumulating, and the command-line `--name value` options
//! read as more lines after the file. Errors stop start-up with Redis's
//! "FATAL CONFIG FILE ERROR" text.

use super::splitargs::split_args;
use super::{find_param, Config, INERT_PARAMS};

/// Why loading redis.conf (or the start-up configuration) stopped;
/// `Display` gives the text to print.
#[derive(Debug, PartialEq)]
pub enum ConfError {
    /// A directive's (or the YAML file's) message. `Loader::load_text`
    /// frames a directive's message into [`ConfError::Fatal`].
    Message(String),
    /// "Fatal error, can't open config file ...": passed up unframed, as
    /// Redis prints it.
    CantOpen(String),
    /// Redis's whole "FATAL CONFIG FILE ERROR" block, printed as-is.
    Fatal(String),
}

impl From<String> for ConfError {
    fn from(text: String) -> ConfError {
        ConfError::Message(text)
    }
}

impl From<&str> for ConfError {
    fn from(text: &str) -> ConfError {
        ConfError::Message(text.to_string())
    }
}

impl std::fmt::Display for ConfError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            ConfError::Message(text) | ConfError::CantOpen(text) | ConfError::Fatal(text) => {
                f.write_str(text)
            }
        }
    }
}

/// Parameters that take several words (Redis's MULTI_ARG_CONFIG): a single
/// quoted word is split again, so `--save "60 1"` equals `save 60 1`.
const MULTI_ARG: &[&str] = &[
    "bind",
    "save",
    "client-output-buffer-limit",
    "oom-score-adj-values",
    "latency-tracking-info-percentiles",
    "replicaof",
    "slaveof",
];

/// Directives Redis 7.0 no longer uses but still skips silently.
const DEPRECATED: &[&str] = &[
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// The only `user` line accepted: Redis's default user with no password,
/// which CONFIG REWRITE writes last when there is no requirepass
/// (ferrocache has no ACL).
pub const DEFAULT_USER_LINE: &str = "user default on nopass ~* &* +@all";

/// How deep `include`s may nest (Redis has no limit and would recurse
/// until it runs out of file descriptors).
const MAX_INCLUDE_DEPTH: usize = 16;

/// Reads redis.conf lines into a [`Config`].
pub struct Loader<'a> {
    config: &'a mut Config,
    /// A `save` line was read: later ones add rules instead of replacing
    /// the defaults.
    save_seen: bool,
    /// Directives read that have no effect in ferrocache (for one warning).
    pub inert_seen: Vec<String>,
    depth: usize,
}

impl<'a> Loader<'a> {
    /// A loader writing into `config`.
    pub fn new(config: &'a mut Config) -> Loader<'a> {
        Loader {
            config,
            save_seen: false,
            inert_seen: Vec::new(),
            depth: 0,
        }
    }

    /// Loads the file at `path` (`include` semantics: a pattern with `*`,
    /// `?` or `[` loads every match in name order, and none is fine).
    pub fn load_file(&mut self, path: &str) -> Result<(), ConfError> {
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(ConfError::CantOpen(format!(
                "Fatal error, can't open config file '{path}': too many nested includes"
            )));
        }
        let paths = if path.contains(['*', '?', '[']) {
            expand_pattern(path)
        } else {
            vec![path.to_string()]
        };
        for p in paths {
            let text = std::fs::read(&p).map_err(|e| {
                ConfError::CantOpen(format!(
                    "Fatal error, can't open config file '{p}': {}",
                    os_error(&e)
                ))
            })?;
            self.depth += 1;
            let result = self.load_text(&text, 1);
            self.depth -= 1;
            result?;
        }
        Ok(())
    }

    /// Loads `text` whose first line is line `first_line` (for messages).
    pub fn load_text(&mut self, text: &[u8], first_line: usize) -> Result<(), ConfError> {
        for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
            let line = trim(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            match self.apply_line(line) {
                Ok(()) => {}
                Err(ConfError::Message(e)) => {
                    return Err(ConfError::Fatal(format!(
                        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
                         Reading the configuration file, at line {}\n>>> '{}'\n{e}",
                        first_line + i,
                        String::from_utf8_lossy(line)
                    )))
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Applies the command-line options (everything after the file) as
    /// redis-server does: `--name` starts a line, other words are its
    /// quoted arguments. `newlines_before` is the number of lines of the
    /// file they follow (for line numbers in messages).
    pub fn load_options(
        &mut self,
        args: &[String],
        newlines_before: usize,
    ) -> Result<(), ConfError> {
        let text = options_text(args);
        if text.is_empty() {
            return Ok(());
        }
        self.load_text(text.as_bytes(), newlines_before + 2)
    }

    fn apply_line(&mut self, line: &[u8]) -> Result<(), ConfError> {
        let words = split_args(line).ok_or("Unbalanced quotes in configuration line")?;
        let mut words: Vec<String> = words
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        let Some(first) = words.first_mut() else {
            return Ok(());
        };
        first.make_ascii_lowercase();
        let name = first.clone();
        let args = &words[1..];
        if let Some(param) = find_param(&name) {
            let multi = MULTI_ARG.contains(&param.name);
            if !multi && args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            let value = if multi && args.len() == 1 && !args[0].is_empty() {
                let inner = split_args(args[0].as_bytes()).unwrap_or_default();
                inner
                    .iter()
                    .map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                args.join(" ")
            };
            if INERT_PARAMS.iter().any(|p| p.name == param.name)
                && !self.inert_seen.iter().any(|n| n == param.name)
            {
                self.inert_seen.push(param.name.to_string());
            }
            return Ok(self.set(param.name, &value)?);
        }
        if DEPRECATED.contains(&name.as_str()) && args.len() == 1 {
            return Ok(());
        }
        match (name.as_str(), args.len()) {
            ("include", 1) => self.load_file(&args[0]),
            ("rename-command", 2) => {
                Err("rename-command is not supported by ferrocache yet".into())
            }
            ("user", n) if n >= 1 => {
                if words.join(" ") == DEFAULT_USER_LINE {
                    Ok(())
                } else {
                    Err("ACL users are not available in ferrocache yet: only 'user default on nopass ~* &* +@all' is accepted".into())
                }
            }
            _ => Err("Bad directive or wrong number of arguments".into()),
        }
    }

    /// Sets one parameter; `save` lines after the first add their rules.
    fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let param = find_param(name).expect("a known parameter");
        if param.name != "save" {
            return (param.set)(self.config, value);
        }
        let earlier = if self.save_seen {
            std::mem::take(&mut self.config.save)
        } else {
            Vec::new()
        };
        self.save_seen = true;
        (param.set)(self.config, value)?;
        if !value.is_empty() {
            let added = std::mem::replace(&mut self.config.save, earlier);
            self.config.save.extend(added);
        }
        Ok(())
    }
}

/// The command-line options as the config text redis-server builds from
/// them (main() in server.c): `--save` with no value before another option
/// or at the end means `save ""`.
fn options_text(args: &[String]) -> String {
    let mut text = String::new();
    let mut last_has_arg = true;
    for (j, arg) in args.iter().enumerate() {
        if last_has_arg && arg.starts_with("--") {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&arg[2..]);
            text.push(' ');
            let words = split_args(arg.as_bytes()).map_or(0, |w| w.len());
            if words == 1 {
                last_has_arg = false;
                let is_save = arg.eq_ignore_ascii_case("--save");
                let next_is_option = args.get(j + 1).is_some_and(|n| n.starts_with("--"));
                if is_save && (next_is_option || j + 1 == args.len()) {
                    text.push_str("\"\"");
                    last_has_arg = true;
                }
            } else {
                last_has_arg = true;
            }
        } else {
            text.push_str(&super::splitargs::quote(arg.as_bytes()));
            text.push(' ');
            last_has_arg = true;
        }
    }
    text
}

/// `line` without the blanks Redis trims (`sdstrim(" \t\r\n")`); the
/// loader and CONFIG REWRITE read lines the same way.
pub(super) fn trim(line: &[u8]) -> &[u8] {
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |e| e + 1);
    &line[start..end]
}

/// The files a wildcard `include` names, sorted (glob's order).
fn expand_pattern(pattern: &str) -> Vec<String> {
    let path = std::path::Path::new(pattern);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let Some(name_pattern) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            crate::store::glob::glob_match(
                name_pattern.as_bytes(),
                e.file_name().as_encoded_bytes(),
            )
        })
        .map(|e| dir.join(e.file_name()).display().to_string())
        .collect();
    found.sort();
    found
}

/// An I/O error as C's strerror words it ("No such file or directory").
pub fn os_error(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, options: &[&str]) -> Result<Config, String> {
        let mut c = Config::default();
        let mut l = Loader::new(&mut c);
        l.load_text(text.as_bytes(), 1).map_err(|e| e.to_string())?;
        let opts: Vec<String> = options.iter().map(|s| s.to_string()).collect();
        l.load_options(&opts, text.matches('\n').count())
            .map_err(|e| e.to_string())?;
        Ok(c)
    }

    #[test]
    fn directives_units_and_quotes() {
        let c = load(
            "# comment\n  port 7001  \r\nmaxmemory 1GB\nrequirepass \"a b\\\"c\"\n\
             client-output-buffer-limit pubsub 1mb 1k 5\nbind 127.0.0.1 ::1\nnotify-keyspace-events \"\"\n",
            &[],
        )
        .unwrap();
        assert_eq!(c.port, 7001);
        assert_eq!(c.maxmemory, 1 << 30);
        assert_eq!(c.requirepass, "a b\"c");
        assert_eq!(c.client_output_buffer_limit.pubsub.soft, 1000);
        assert_eq!(c.bind, "127.0.0.1 ::1");
    }

    #[test]
    fn save_lines_accumulate_and_empty_clears() {
        let rules = |c: &Config| super::super::render_save_rules(&c.save);
        assert_eq!(
            rules(&load("save 900 1\nsave 300 10\n", &[]).unwrap()),
            "900 1 300 10"
        );
        assert_eq!(rules(&load("save 900 1\nsave \"\"\n", &[]).unwrap()), "");
        assert_eq!(
            rules(&load("save 900 1\n", &["--save", "60", "1", "--save", "30 2"]).unwrap()),
            "900 1 60 1 30 2"
        );
        assert_eq!(rules(&load("", &["--save", "--port", "1"]).unwrap()), "");
        assert_eq!(rules(&load("", &["--port", "1", "--save"]).unwrap()), "");
        assert_eq!(
            rules(&load("hz 11\n", &[]).unwrap()),
            "3600 1 300 100 60 10000"
        );
    }

    #[test]
    fn include_patterns_load_matches_in_name_order_and_cycles_stop() {
        let dir = std::env::temp_dir().join(format!("ferrocache-include-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("conf.d")).unwrap();
        std::fs::write(dir.join("conf.d/b.conf"), "hz 20\n").unwrap();
        std::fs::write(dir.join("conf.d/a.conf"), "hz 30\nmaxmemory 1k\n").unwrap();
        std::fs::write(dir.join("conf.d/skip.txt"), "bad line\n").unwrap();
        let pattern = format!("include {}/conf.d/*.conf\n", dir.display());
        let c = load(&pattern, &[]).unwrap();
        assert_eq!((c.hz, c.maxmemory), (20, 1000));
        // No match is fine, as in Redis.
        let none = format!("include {}/conf.d/*.none\n", dir.display());
        assert!(load(&none, &[]).is_ok());
        // A file including itself ends with an error, not a stack overflow.
        let me = dir.join("loop.conf");
        std::fs::write(&me, format!("include {}\n", me.display())).unwrap();
        let e = load(&format!("include {}\n", me.display()), &[]).unwrap_err();
        assert!(e.contains("too many nested includes"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn errors_are_redis_fatal_messages() {
        let e = load("port 1234\n\nfoo bar\n", &[]).unwrap_err();
        assert_eq!(
            e,
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, \
             at line 3\n>>> 'foo bar'\nBad directive or wrong number of arguments"
        );
        let e = load("port a b\n", &[]).unwrap_err();
        assert!(e.ends_with("wrong number of arguments"), "{e}");
        let e = load("port abc\n", &[]).unwrap_err();
        assert!(
            e.ends_with("argument couldn't be parsed into an integer"),
            "{e}"
        );
        let e = load("port \"abc\n", &[]).unwrap_err();
        assert!(
            e.ends_with("Unbalanced quotes in configuration line"),
            "{e}"
        );
        // Options follow the file: line numbers go on after a blank line.
        let e = load("a_is_fine_not\n", &[]).unwrap_err();
        assert!(e.contains("at line 1"), "{e}");
        let e = load("port 1\nhz 2\n", &["--foo", "1"]).unwrap_err();
        assert!(e.contains("at line 4\n>>> 'foo \"1\"'"), "{e}");
        assert!(load("list-max-ziplist-entries 5\n", &[]).is_ok());
        assert!(load("rename-command CONFIG \"\"\n", &[]).is_err());
        assert!(load("user default on nopass ~* &* +@all\n", &[]).is_ok());
        assert!(load("user bob on >x ~* +@all\n", &[]).is_err());
        let e = load("include /nonexistent/x.conf\n", &[]).unwrap_err();
        assert_eq!(
            e,
            "Fatal error, can't open config file '/nonexistent/x.conf': No such file or directory"
        );
    }
}
