use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = newsdesk_api::cli::Cli::parse();
    newsdesk_api::telemetry::init(cli.config.log_format);
    match newsdesk_api::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
