//! Serves an emulator until Ctrl-C, for benchmarks and manual poking (the `runbook emulator`
//! subcommand is the real CLI). Prints the base URL on the first line of stdout.
//!
//! `cargo run --release -p iothub-emulator --example serve -- [--hubs N] [--scenario FILE]
//!  [--addr 127.0.0.1:PORT] [--time-scale X]`
//!
//! `--hubs N` seeds N default hubs in `myResourceGroup`: `myIoTHub`, then `hub-00001`...

use iothub_emulator::{Emulator, EmulatorConfig, HubSeed, Scenario};
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut scenario = Scenario::default_scenario();
    let mut config = EmulatorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--hubs" => {
                let n: usize = value()?.parse()?;
                let hubs = (0..n).map(|i| {
                    let name = if i == 0 {
                        "myIoTHub".to_owned()
                    } else {
                        format!("hub-{i:05}")
                    };
                    HubSeed::new(
                        iothub_emulator::DEFAULT_SUBSCRIPTION,
                        iothub_emulator::DEFAULT_RESOURCE_GROUP,
                        &name,
                    )
                });
                scenario.hubs = hubs.collect();
            }
            "--scenario" => scenario = Scenario::load(std::path::Path::new(&value()?))?,
            "--addr" => config.addr = value()?.parse()?,
            "--time-scale" => config.time_scale = value()?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let emulator = Emulator::start(scenario, config).await?;
    println!("{}", emulator.base_url());
    eprintln!(
        "serving {} hubs; Ctrl-C to stop",
        emulator.hub_names().len()
    );
    tokio::signal::ctrl_c().await?;
    emulator.shutdown().await;
    Ok(())
}
