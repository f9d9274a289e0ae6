//! Every `curl` in the README runs as written (with its `jq`), in order and
//! in one shell so a `TOKEN=$(curl ...)` serves the commands after it,
//! against the real binary serving the demo corpus on a free port: on
//! SQLite, and on PostgreSQL when `NEWSDESK_TEST_POSTGRES_URL` is set.

use std::process::Command;

use newsdesk_e2e::{readme_commands, root, Server, TestDb};

mod sqlite {
    #[test]
    fn readme_examples_run() {
        super::readme_examples_run(super::TestDb::sqlite());
    }
}

mod postgres {
    #[test]
    fn readme_examples_run() {
        if let Some(db) = super::TestDb::postgres("readme_examples_run") {
            super::readme_examples_run(db);
        }
    }
}

/// The value the README gives `name` (`NAME=value` or `NAME='a value'`).
fn readme_value<'a>(readme: &'a str, name: &str) -> &'a str {
    let rest = readme
        .split_once(&format!("{name}="))
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("the README sets {name}"));
    match rest.strip_prefix('\'') {
        Some(quoted) => quoted.split('\'').next().unwrap_or_default(),
        None => rest.split_whitespace().next().unwrap_or_default(),
    }
}

fn tools_present() -> bool {
    ["curl", "jq"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

const MARK: &str = "::newsdesk-e2e::";

fn readme_examples_run(db: TestDb) {
    if !tools_present() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED readme_examples_run: it needs curl and jq on the PATH"
        );
        return;
    }
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let email = readme_value(&readme, "NEWSDESK_ADMIN_EMAIL");
    let password = readme_value(&readme, "NEWSDESK_ADMIN_PASSWORD");
    let server = Server::start(
        db,
        &["--demo"],
        &[
            ("NEWSDESK_ADMIN_EMAIL", email),
            ("NEWSDESK_ADMIN_PASSWORD", password),
        ],
    );
    let commands = readme_commands(&readme);
    assert!(commands.len() >= 8, "README commands: {commands:?}");

    let mut script = String::from("set -o pipefail\n");
    for (i, cmd) in commands.iter().enumerate() {
        let cmd = cmd
            .replace("http://127.0.0.1:8080", &server.base)
            .replace("localhost:8080", &server.base);
        script.push_str(&format!(
            "echo '{MARK}{i}'\n{cmd}\necho \"{MARK}status $?\"\n"
        ));
        // An assignment prints nothing: show its value to be checked too.
        if let Some((name, _)) = cmd.split_once("=$(") {
            script.push_str(&format!("printf '%s\\n' \"${name}\"\n"));
        }
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let outputs: Vec<&str> = stdout.split(MARK).skip(1).collect();
    assert_eq!(outputs.len(), commands.len() * 2, "{stdout}");
    for (i, pair) in outputs.chunks(2).enumerate() {
        let printed = pair[0].split_once('\n').map_or("", |(_, rest)| rest);
        let status = pair[1].lines().next().unwrap_or_default();
        let value = pair[1].split_once('\n').map_or("", |(_, rest)| rest);
        let shown = format!("{printed}{value}");
        let cmd = &commands[i];
        assert_eq!(status, "status 0", "{cmd}\nprinted:\n{shown}");
        assert!(!shown.trim().is_empty(), "{cmd} printed nothing");
        // jq prints null for a path a broken answer lacks; a problem has a
        // numeric status, and GraphQL reports errors under `errors`.
        assert!(
            !shown.lines().any(|l| l.trim() == "null"),
            "{cmd} printed null:\n{shown}"
        );
        for bad in ["\"status\": 4", "\"status\": 5", "\"errors\""] {
            assert!(!shown.contains(bad), "{cmd} printed {bad}:\n{shown}");
        }
    }
}
