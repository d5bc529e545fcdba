//! Structured logging through `log`: one line per event,
//! `<time> [<LEVEL>] <subsystem>: <event> key=value ...`, to stderr or to
//! `logfile`. The time is fixed-width UTC with milliseconds
//! (`2026-01-02T03:04:05.678Z`). Subsystems are log targets (server, net,
//! rdb, ...). Where tools grep for Redis's wording ("Ready to accept
//! connections", "DB saved on disk"), the line carries it in `msg="..."`.
//! The level (Redis's names or the usual ones) can change at run time
//! (CONFIG SET loglevel). Events a client can trigger at will
//! (`protocol_error`) are rate-limited: at most one line per second, the
//! next one saying how many were suppressed.

use log::{LevelFilter, Log, Metadata, Record};
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Events logged at most once per `RATE_LIMIT_PERIOD` (the first word of the message).
const RATE_LIMITED: &[&str] = &["protocol_error"];
const RATE_LIMIT_PERIOD: Duration = Duration::from_secs(1);

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
    let writer: Box<dyn Write + Send> = if logfile.is_empty() {
        Box::new(std::io::stderr())
    } else {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logfile)
            .map_err(|e| format!("field 'logfile': cannot open {logfile}: {e}"))?;
        Box::new(f)
    };
    let logger = Logger {
        out: Mutex::new(Output {
            writer,
            limits: RATE_LIMITED.iter().map(|_| Limit::default()).collect(),
        }),
    };
    // Lives as long as the process: the `log` facade wants a &'static logger.
    log::set_logger(Box::leak(Box::new(logger))).map_err(|e| e.to_string())?;
    set_level(level);
    Ok(())
}

/// Changes the level at run time.
pub fn set_level(name: &str) {
    log::set_max_level(level_filter(name));
}

struct Logger {
    out: Mutex<Output>,
}

struct Output {
    writer: Box<dyn Write + Send>,
    /// One per RATE_LIMITED event.
    limits: Vec<Limit>,
}

/// A rate-limited event's window.
#[derive(Default)]
struct Limit {
    last: Option<Instant>,
    suppressed: u64,
}

impl Limit {
    /// None to drop this occurrence; Some(n) to log it, n = occurrences dropped since the last one.
    fn admit(&mut self, now: Instant) -> Option<u64> {
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < RATE_LIMIT_PERIOD)
        {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = record.args().to_string();
        let event = message.split(' ').next().unwrap_or("");
        let Ok(mut out) = self.out.lock() else {
            return;
        };
        let mut suffix = String::new();
        if let Some(i) = RATE_LIMITED.iter().position(|e| *e == event) {
            match out.limits[i].admit(Instant::now()) {
                None => return,
                Some(0) => {}
                Some(n) => suffix = format!(" suppressed={n}"),
            }
        }
        let line = format!(
            "{} [{}] {}: {message}{suffix}\n",
            utc_timestamp(SystemTime::now()),
            record.level(),
            record.target()
        );
        let _ = out.writer.write_all(line.as_bytes());
    }

    fn flush(&self) {
        if let Ok(mut out) = self.out.lock() {
            let _ = out.writer.flush();
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, always 24 characters.
pub fn utc_timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// civil_from_days).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_fixed_width_utc_with_milliseconds() {
        let at = |ms: u64| utc_timestamp(UNIX_EPOCH + Duration::from_millis(ms));
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400_007), "2000-02-29T00:00:00.007Z");
        assert_eq!(at(1_700_000_000_120), "2023-11-14T22:13:20.120Z");
        assert_eq!(at(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn rate_limit_admits_one_per_period_and_counts_the_rest() {
        let t0 = Instant::now();
        let mut limit = Limit::default();
        assert_eq!(limit.admit(t0), Some(0));
        assert_eq!(limit.admit(t0 + Duration::from_millis(10)), None);
        assert_eq!(limit.admit(t0 + Duration::from_millis(900)), None);
        assert_eq!(limit.admit(t0 + RATE_LIMIT_PERIOD), Some(2));
        assert_eq!(limit.admit(t0 + RATE_LIMIT_PERIOD * 3), Some(0));
    }
}
