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
    /// Minimum time between two failovers of a hub, as Azure enforces (seconds).
    #[arg(long, default_value_t = 0)]
    pub cooldown_secs: u64,
    /// Emulated time runs this much faster (0.01 = a 2 s failover takes 20 ms). Give the same
    /// --time-scale to `runbook exec --auth emulator` so its waits match.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub time_scale: f64,
}

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
        for h in emu.hub_names() {
            outln!("  hub {h}");
        }
        outln!(
            "use: runbook exec FILE --arm-endpoint {} --auth emulator",
            emu.base_url()
        );
        let _ = tokio::signal::ctrl_c().await;
        emu.shutdown().await;
        exit_code::SUCCESS
    })
}
