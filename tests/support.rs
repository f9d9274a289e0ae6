//! What the end-to-end tests share: the real `newsdesk` binary, started on
//! a free port against a fresh database, and the README's commands.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use newsdesk_persistence::test_support::TestDb;

pub mod cluster;
pub mod proxy;
pub mod receiver;

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The `newsdesk` binary of this build, built first if need be: this
/// package cannot name another package's binary, so it asks cargo, which
/// answers at once when the binary is fresh.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // Test executables live in target/<profile>/deps, binaries one up.
        let exe = std::env::current_exe().expect("the test knows its path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test runs from target/<profile>/deps")
            .to_path_buf();
        let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        build
            .args([
                "build",
                "--quiet",
                "-p",
                "newsdesk-api",
                "--bin",
                "newsdesk",
            ])
            .arg("--manifest-path")
            .arg(root().join("Cargo.toml"));
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(
            status.success(),
            "cargo build of the newsdesk binary failed"
        );
        profile_dir.join("newsdesk")
    })
}

/// An HTTP client with a timeout, so a server that hangs fails the test
/// instead of stalling the run.
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("a client")
}

/// A staff token from `POST /api/v1/auth/token`.
pub fn login(base: &str, email: &str, password: &str) -> String {
    let res: serde_json::Value = http()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .and_then(|r| r.json())
        .expect("a token");
    res["access_token"].as_str().expect("a token").to_owned()
}

/// A running `newsdesk serve`, killed when dropped.
pub struct Server {
    pub base: String,
    pub url: String,
    child: Child,
    _db: Option<TestDb>,
}

impl Server {
    /// `newsdesk serve` with `args` and `env` on a free port over `db`,
    /// once `/readyz` answers.
    pub fn start(db: TestDb, args: &[&str], env: &[(&str, &str)]) -> Server {
        let url = db.url.clone();
        let mut server = Server::on(&url, args, env);
        server._db = Some(db);
        server
    }

    /// Another node on the database at `url`, which someone else owns.
    pub fn on(url: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        Server::launch(url, args, env, None)
    }

    /// `on`, with the size of any file the process writes limited to
    /// `kib` (a soft limit, so `prlimit` can lift it): the closest to a
    /// full disk a test can get without mounting one.
    pub fn with_file_limit(url: &str, env: &[(&str, &str)], kib: u64) -> Server {
        Server::launch(url, &[], env, Some(kib))
    }

    fn launch(url: &str, args: &[&str], env: &[(&str, &str)], kib: Option<u64>) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let bind = format!("127.0.0.1:{port}");
        let mut command = match kib {
            None => Command::new(binary()),
            Some(kib) => {
                // Ignored, SIGXFSZ does not kill: the write fails instead.
                let mut c = Command::new("bash");
                c.arg("-c")
                    .arg(format!(
                        "trap '' XFSZ; ulimit -S -f {kib}; exec \"$0\" \"$@\""
                    ))
                    .arg(binary());
                c
            }
        };
        let child = command
            .arg("serve")
            .args(["--bind", &bind])
            .args(args)
            .env("NEWSDESK_DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let mut server = Server {
            base: format!("http://{bind}"),
            url: url.to_owned(),
            child,
            _db: None,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while get_status(&bind, "/readyz") != Some(200) {
            assert!(Instant::now() < deadline, "the server did not get ready");
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited before it was ready: {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }
}

impl Server {
    /// Sends `signal` (`TERM`, `KILL`) to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits up to `within` for the process to end; its exit status.
    pub fn wait(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Gives up the database, for a node that starts after this one died.
    pub fn take_db(&mut self) -> Option<TestDb> {
        self._db.take()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status of `GET path`, or `None` while nothing answers.
fn get_status(addr: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Every `curl` command in the README's `sh` blocks, in order, each whole
/// (a quoted body may span lines; a trailing `\` continues one). A command
/// may assign its output (`TOKEN=$(curl ...)`) for the ones after it.
pub fn readme_commands(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut current: Option<String> = None;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = !in_sh && line.trim() == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some(cmd) = current.as_mut() {
            cmd.push('\n');
            cmd.push_str(line);
        } else if starts_a_request(line) {
            current = Some(line.to_owned());
        }
        if let Some(cmd) = current.take() {
            if unfinished(&cmd) {
                current = Some(cmd);
            } else {
                out.push(cmd);
            }
        }
    }
    out
}

fn starts_a_request(line: &str) -> bool {
    let line = line.trim_start();
    let assigned = line
        .split_once("=$(")
        .filter(|(name, _)| name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .map(|(_, rest)| rest);
    line.starts_with("curl ") || assigned.is_some_and(|rest| rest.starts_with("curl "))
}

/// Open single quotes or a trailing backslash: the command goes on.
fn unfinished(cmd: &str) -> bool {
    cmd.matches('\'').count() % 2 == 1 || cmd.trim_end().ends_with('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_span_lines_until_quotes_close() {
        let readme = "text\n```sh\ncargo run\ncurl -s a | jq .\nT=$(curl -s b \\\n  -d '{\n \"x\": 1\n}')\n```\n```\ncurl -s not-sh\n```\n";
        let cmds = readme_commands(readme);
        assert_eq!(cmds.len(), 2, "{cmds:?}");
        assert_eq!(cmds[0], "curl -s a | jq .");
        assert!(cmds[1].starts_with("T=$(curl -s b") && cmds[1].ends_with("}')"));
    }
}
