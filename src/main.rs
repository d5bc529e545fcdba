//! `ferrocache [config.yaml | redis.conf] [--name value ...]`: command line →
//! configuration → (daemonize) → logging → the event loop.

use ferrocache::alloc::CountingAlloc;
use ferrocache::config::{ConfError, Config};
use ferrocache::server::Server;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Set in the environment of the background copy a daemonizing server
/// starts, so that the copy runs instead of starting another.
const DAEMON_CHILD: &str = "FERROCACHE_DAEMONIZED";

/// The pid file of a daemonized server with no `pidfile`, as Redis's.
const DEFAULT_PIDFILE: &str = "/var/run/redis.pid";

const USAGE: &str =
    "Usage: ferrocache [/path/to/ferrocache.yaml | /path/to/redis.conf] [--name value ...]
       ferrocache --version
       ferrocache --help

Examples:
       ferrocache                         (defaults: 127.0.0.1:6379)
       ferrocache conf/ferrocache.yaml
       ferrocache /etc/redis/redis.conf --port 7000
       ferrocache --port 7000 --maxmemory 100mb --save \"\" --appendonly no";

fn main() -> ExitCode {
    let mut pargs = pico_args::Arguments::from_env();
    if pargs.contains(["-h", "--help"]) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if pargs.contains(["-v", "--version"]) {
        println!("ferrocache v={}", ferrocache::VERSION);
        return ExitCode::SUCCESS;
    }
    let rest: Vec<String> = match pargs
        .finish()
        .into_iter()
        .map(|a| a.into_string())
        .collect::<Result<_, _>>()
    {
        Ok(v) => v,
        Err(_) => return fail("arguments must be valid UTF-8"),
    };
    let (config, inert) = match load_config(&rest) {
        Ok(c) => c,
        // Redis's own block, printed as redis-server prints it.
        Err(ConfError::Fatal(block)) => {
            eprintln!("{block}");
            return ExitCode::FAILURE;
        }
        Err(e) => return fail(&e.to_string()),
    };
    if config.daemonize && std::env::var_os(DAEMON_CHILD).is_none() {
        return daemonize();
    }
    if let Err(e) = ferrocache::logging::init(&config.loglevel, &config.logfile) {
        return fail(&e);
    }
    if !inert.is_empty() {
        log::warn!(
            target: "config",
            "directives_without_effect names={} msg=\"accepted, no effect in ferrocache\"",
            inert.join(",")
        );
    }
    let pidfile = match (config.pidfile.as_str(), config.daemonize) {
        ("", false) => String::new(),
        ("", true) => DEFAULT_PIDFILE.to_string(),
        (path, _) => path.to_string(),
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            return fail(&format!("cannot install signal handler: {e}"));
        }
    }
    let config_file = config.config_file.clone();
    let mut server = match Server::bind(config, stop) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    log::info!(
        target: "server",
        "started version={} pid={} port={} config={}",
        ferrocache::VERSION,
        std::process::id(),
        server.port(),
        if config_file.is_empty() {
            "(none)"
        } else {
            &config_file
        }
    );
    write_pidfile(&pidfile);
    let status = serve(&mut server);
    if !pidfile.is_empty() {
        let _ = std::fs::remove_file(&pidfile);
    }
    status
}

/// Loads the data, then runs the loop until shutdown.
fn serve(server: &mut Server) -> ExitCode {
    match server.load_data() {
        Ok(()) => {}
        Err(ferrocache::server::LoadError::Interrupted) => {
            log::info!(target: "server", "exit status=ok reason=shutdown_while_loading");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            log::error!(target: "persistence", "load_failed error=\"{e}\"");
            return fail(&format!("cannot load the dataset: {e}"));
        }
    }
    // Redis's wording: scripts and supervisors wait for this line.
    log::info!(
        target: "server",
        "ready port={} msg=\"Ready to accept connections\"",
        server.port()
    );
    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("event loop failed: {e}")),
    }
}

/// A config file first (if the first argument is not an option), then the
/// options; also the names of directives without effect here.
fn load_config(args: &[String]) -> Result<(Config, Vec<String>), ConfError> {
    match args.first() {
        Some(first) if !first.starts_with("--") => Config::load_start(Some(first), &args[1..]),
        _ => Config::load_start(None, args),
    }
}

/// `daemonize yes`: starts this same command again in the background, in
/// its own process group with no terminal input or output, and returns at
/// once, as redis-server's fork does.
fn daemonize() -> ExitCode {
    use std::os::unix::process::CommandExt;
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return fail(&format!("cannot daemonize: {e}")),
    };
    let spawned = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(DAEMON_CHILD, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn();
    match spawned {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("cannot daemonize: {e}")),
    }
}

/// Writes the process id to `path` (if any); a failure is only logged, as
/// in Redis.
fn write_pidfile(path: &str) {
    if path.is_empty() {
        return;
    }
    if let Err(e) = std::fs::write(path, format!("{}\n", std::process::id())) {
        log::warn!(
            target: "server",
            "pidfile_failed path={path} error=\"{e}\" msg=\"Failed to write PID file\""
        );
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("ferrocache: {msg}");
    ExitCode::FAILURE
}
