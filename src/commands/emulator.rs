//! `runbook emulator`: serves the ARM IoT Hub emulator until Ctrl-C, for trying runbooks or
//! other ARM clients against it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use iothub_emulator::{Emulator, EmulatorConfig, Scenario};

use crate::exit_code;

#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on. Loopback by default; anything else exposes a fake ARM to the network.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Scenario YAML: hubs, device counts, endpoint health, failover behaviour and faults.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Minimum time from the end of a hub's last failover to the next, as Azure enforces
    /// (seconds of emulated time; Azure: about 3600). A scenario hub's `failover.cooldown`
    /// overrides it.
    #[arg(long, default_value_t = 0)]
    pub cooldown_secs: u64,
    /// Completed failovers allowed per direction (from -> to region) of a hub within any
    /// rolling 24 h of emulated time, as Azure enforces (Azure: 2). Default: no limit. A
    /// scenario hub's `failover.per_direction_per_day` overrides it.
    #[arg(long, value_name = "N")]
    pub failovers_per_day: Option<u32>,
    /// Emulated time runs this much faster (0.01 = a 2 s failover takes 20 ms). Give the same
    /// --time-scale to `runbook exec --auth emulator` so its waits match.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub time_scale: f64,
}

/// Hubs listed by name at start; a generated fleet of thousands is summarised after these.
const SHOWN_HUBS: usize = 10;

pub fn run(args: &EmulatorArgs) -> i32 {
    let scenario = match &args.scenario {
        Some(p) => match Scenario::load(p) {
            Ok(s) => s,
            Err(e) => {
                errln!("error: {e}");
                return exit_code::INVALID;
            }
        },
        None => Scenario::default_scenario(),
    };
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    runtime.block_on(async {
        let config = EmulatorConfig {
            addr: args.addr,
            failover_cooldown: Duration::from_secs(args.cooldown_secs),
            failovers_per_direction_per_day: args.failovers_per_day,
            time_scale: args.time_scale,
        };
        let emu = match Emulator::start(scenario, config).await {
            Ok(e) => e,
            Err(e) => {
                errln!("error: cannot start the emulator on {}: {e}", args.addr);
                return exit_code::INVALID;
            }
        };
        outln!("ARM emulator listening on {}", emu.base_url());
        let names = emu.hub_names();
        for h in names.iter().take(SHOWN_HUBS) {
            outln!("  hub {h}");
        }
        if names.len() > SHOWN_HUBS {
            outln!(
                "  ... and {} more hubs ({} in all)",
                names.len() - SHOWN_HUBS,
                names.len()
            );
        }
        // A client at another time scale would wait 1/scale too long or too short for every
        // emulated failover, so the line to copy carries the emulator's own.
        let scale = if args.time_scale == 1.0 {
            String::new()
        } else {
            format!(" --time-scale {}", args.time_scale)
        };
        outln!(
            "use: runbook exec FILE --arm-endpoint {} --auth emulator{scale}",
            emu.base_url()
        );
        let _ = tokio::signal::ctrl_c().await;
        emu.shutdown().await;
        exit_code::SUCCESS
    })
}
