//! `ferrocache [config.yaml] [--name value ...]`: command line → configuration
//! → logging → the event loop.

use ferrocache::alloc::CountingAlloc;
use ferrocache::config::Config;
use ferrocache::server::Server;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

const USAGE: &str = "Usage: ferrocache [/path/to/ferrocache.yaml] [--name value ...]
       ferrocache --version
       ferrocache --help

Examples:
       ferrocache                         (defaults: 127.0.0.1:6379)
       ferrocache conf/ferrocache.yaml
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
    let config = match load_config(&rest) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    if let Err(e) = ferrocache::logging::init(&config.loglevel, &config.logfile) {
        return fail(&e);
    }
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
    match server.load_data() {
        Ok(()) => {}
        Err(e) if e == ferrocache::server::LOAD_INTERRUPTED => {
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

/// A YAML file first (if the first argument is not an option), then overrides.
fn load_config(args: &[String]) -> Result<Config, String> {
    let mut config = Config::default();
    let mut rest = args;
    if let Some(first) = args.first() {
        if !first.starts_with("--") {
            config.load_yaml(first)?;
            rest = &args[1..];
        }
    }
    config.apply_overrides(rest)?;
    Ok(config)
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("ferrocache: {msg}");
    ExitCode::FAILURE
}
