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
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cognate: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
