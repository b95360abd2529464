//! The runbook language: YAML text in, a typed and validated `Runbook` out.
