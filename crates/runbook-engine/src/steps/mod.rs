//! One file per step kind. Each is an `impl Engine` block with the kind's `run_*` method: it
//! reads the kind's spec, calls the ARM client, and returns the step's outputs and a one-line
//! `details` sentence, or a `StepFail` with ARM's code and message.

mod await_failover;
mod compare_devices;
mod failover;
mod failover_intent;
mod health_check;
mod hub_reading;
mod sleep;
mod snapshot;
mod validate;

pub(crate) use hub_reading::same_region;
