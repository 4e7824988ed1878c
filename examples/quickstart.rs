//! The quickstart: an emulated account with two stages and a few ingest configurations (one of
//! them live), a desired-state file, then `plan`, `apply` and `plan` again, as a user sees them.
//!
//! Run it with `cargo run --example quickstart`. No AWS account is needed.

use std::process::ExitCode;

use aws_sdk_ivsrealtime::types::IngestProtocol;
use clap::Parser;
use ivs_realtime_emulator::{Config, Emulator};

fn main() -> ExitCode {
    // The emulator accepts any SigV4 credentials; set them before any thread starts.
    // SAFETY: nothing else runs yet, so no thread can read the environment concurrently.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDQUICKSTART");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "quickstart-secret");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::remove_var("AWS_PROFILE");
    }
    let emulator = match Emulator::spawn(Config::ephemeral()) {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("cannot start the emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = std::env::temp_dir().join(format!("ingestctl-quickstart-{}", std::process::id()));
    let result = runtime.block_on(quickstart(&emulator.url(), &dir));
    let _ = std::fs::remove_dir_all(&dir);
    emulator.shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quickstart failed: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn quickstart(url: &str, dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(url)
        .load()
        .await;
    let ivs = aws_sdk_ivsrealtime::Client::new(&sdk);

    banner("An emulated account: two stages and three ingest configurations");
    let main_stage = ivs.create_stage().name("main-stage").send().await?;
    let backup_stage = ivs.create_stage().name("backup-stage").send().await?;
    let main_arn = main_stage
        .stage()
        .map(|s| s.arn().to_owned())
        .unwrap_or_default();
    let backup_arn = backup_stage
        .stage()
        .map(|s| s.arn().to_owned())
        .unwrap_or_default();
    let mut configs = Vec::new();
    for (name, stage) in [
        ("studio-a-encoder", ""),
        ("studio-b-encoder", backup_arn.as_str()),
        ("lobby-encoder", backup_arn.as_str()),
    ] {
        let created = ivs
            .create_ingest_configuration()
            .name(name)
            .ingest_protocol(IngestProtocol::Rtmps)
            .stage_arn(stage)
            .send()
            .await?;
        let arn = created
            .ingest_configuration()
            .map(|c| c.arn().to_owned())
            .unwrap_or_default();
        println!("  {name:<17} {arn}");
        configs.push(arn);
    }
    // A publisher goes live on the lobby encoder: ingestctl must leave it alone.
    reqwest_like_post(
        url,
        "/_emulator/ingest-configuration-state",
        &format!(r#"{{"arn": "{}", "state": "ACTIVE"}}"#, configs[2]),
    )
    .await?;
    println!("  (lobby-encoder has a live publisher: it is ACTIVE)");

    std::fs::create_dir_all(dir)?;
    let file = dir.join("bindings.yaml");
    let yaml = format!(
        "# yaml-language-server: $schema=../schema/ingestctl.schema.json\n\
         version: 1\n\
         region: us-east-1\n\
         bindings:\n\
         \x20 - ingestConfiguration: {studio_a}\n\
         \x20   stage: {main_arn}\n\
         \x20 - ingestConfiguration: studio-b-encoder   # by name\n\
         \x20   stage: main-stage                       # by name\n\
         \x20   redundantIngest: true\n\
         \x20 - ingestConfiguration: lobby-encoder\n\
         \x20   stage: main-stage\n",
        studio_a = configs[0],
    );
    std::fs::write(&file, &yaml)?;
    banner(&format!("The desired state, {}", file.display()));
    print!("{yaml}");

    let file = file.display().to_string();
    banner("$ ingestctl plan -f bindings.yaml");
    ingestctl(&["plan", "-f", &file, "--endpoint-url", url]).await;
    banner("$ ingestctl apply -f bindings.yaml --auto-approve");
    ingestctl(&[
        "apply",
        "-f",
        &file,
        "--endpoint-url",
        url,
        "--auto-approve",
    ])
    .await;
    banner("$ ingestctl plan -f bindings.yaml --detailed-exitcode   (again)");
    let exit = ingestctl(&[
        "plan",
        "-f",
        &file,
        "--endpoint-url",
        url,
        "--detailed-exitcode",
    ])
    .await;
    println!(
        "\nexit code {exit}: only the ACTIVE lobby-encoder still differs; it converges once its publisher leaves."
    );
    Ok(())
}

/// Runs ingestctl in this process, exactly as the binary would, and returns its exit code.
async fn ingestctl(args: &[&str]) -> u8 {
    let cli =
        ingestctl::cli::Cli::parse_from(std::iter::once("ingestctl").chain(args.iter().copied()));
    ingestctl::run::run(cli).await.code()
}

fn banner(title: &str) {
    println!("\n== {title}");
}

/// The admin API is plain HTTP/1.1 JSON; a few lines of tokio suffice for one request.
async fn reqwest_like_post(url: &str, path: &str, body: &str) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    if !response.starts_with("HTTP/1.1 200") {
        return Err(std::io::Error::other(format!(
            "admin call failed: {}",
            response.lines().next().unwrap_or("")
        )));
    }
    Ok(())
}
