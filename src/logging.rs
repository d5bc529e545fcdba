//! Structured logging through `log` + `simplelog`: one line per event,
//! `<rfc3339 time> [<LEVEL>] <subsystem>: <event> key=value ...`, to stderr or
//! to `logfile`. Subsystems are log targets (server, net, command, metrics).
//! The level (Redis's names or the usual ones) can change at run time
//! (CONFIG SET loglevel).

use log::LevelFilter;
use simplelog::{ConfigBuilder, WriteLogger};

/// Maps a loglevel name to a filter: debug/verbose → Debug, notice/info → Info,
/// warning/warn → Warn, error → Error.
pub fn level_filter(name: &str) -> LevelFilter {
    match name.to_ascii_lowercase().as_str() {
        "debug" | "verbose" => LevelFilter::Debug,
        "warning" | "warn" => LevelFilter::Warn,
        "error" => LevelFilter::Error,
        _ => LevelFilter::Info,
    }
}

/// Installs the logger; `logfile` empty means stderr.
pub fn init(level: &str, logfile: &str) -> Result<(), String> {
    let config = ConfigBuilder::new()
        .set_time_format_rfc3339()
        .set_thread_level(LevelFilter::Off)
        .set_target_level(LevelFilter::Error)
        .build();
    let writer: Box<dyn std::io::Write + Send> = if logfile.is_empty() {
        Box::new(std::io::stderr())
    } else {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logfile)
            .map_err(|e| format!("field 'logfile': cannot open {logfile}: {e}"))?;
        Box::new(f)
    };
    WriteLogger::init(LevelFilter::Trace, config, writer).map_err(|e| e.to_string())?;
    set_level(level);
    Ok(())
}

/// Changes the level at run time.
pub fn set_level(name: &str) {
    log::set_max_level(level_filter(name));
}
