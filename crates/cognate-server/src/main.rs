//! The `cognate` binary.

use clap::Parser;
use cognate_server::config::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cognate_server::serve(args).await,
        Command::Messages(args) => cognate_server::messages(args).await,
        Command::Keys(args) => cognate_server::keys(args).await,
        // A denial is a result, not a failure: its own status so scripts can tell them apart.
        Command::Authorize(args) => match cognate_server::authorize(args) {
            Ok(true) => Ok(()),
            Ok(false) => return std::process::ExitCode::from(2),
            Err(error) => Err(error),
        },
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cognate: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
