//! PostgreSQL over TLS: libpq is built with OpenSSL (vendored), so
//! `sslmode=require` and `verify-full` work from the release binary. The
//! local server's own self-signed certificate (Debian's snakeoil, issued to
//! `localhost`) is the root a `verify-full` client trusts.

use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use newsdesk_e2e::{binary, root, Server, TestDb};

mod postgres {
    #[test]
    fn verify_full_connects_over_tls_and_refuses_a_stranger() {
        super::verify_full_connects_over_tls_and_refuses_a_stranger();
    }
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `url` with the host `localhost` (what the certificate names) and `params`.
fn with_tls(url: &str, params: &[(&str, &str)]) -> String {
    let mut u = url::Url::parse(url).expect("a database URL");
    u.set_host(Some("localhost")).expect("a host");
    u.query_pairs_mut().extend_pairs(params);
    u.to_string()
}

/// Connections of `app` by whether they use TLS: (with, without).
fn sessions(admin: &mut PgConnection, app: &str) -> (i64, i64) {
    let count = |ssl: bool, admin: &mut PgConnection| {
        diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
             WHERE a.application_name = $1 AND s.ssl = $2",
        )
        .bind::<Text, _>(app)
        .bind::<diesel::sql_types::Bool, _>(ssl)
        .get_result::<Count>(admin)
        .expect("pg_stat_ssl is readable")
        .n
    };
    (count(true, admin), count(false, admin))
}

fn verify_full_connects_over_tls_and_refuses_a_stranger() {
    let Some(db) = TestDb::postgres("tls") else {
        return;
    };
    let mut admin = PgConnection::establish(&db.url).expect("the test database");
    let cert = diesel::sql_query("SELECT current_setting('ssl_cert_file') AS value")
        .get_result::<One>(&mut admin)
        .expect("a superuser reads ssl_cert_file")
        .value;
    let app = format!("newsdesk-tls-{}", std::process::id());
    let url = with_tls(
        &db.url,
        &[
            ("sslmode", "verify-full"),
            ("sslrootcert", &cert),
            ("application_name", &app),
        ],
    );

    let server = Server::on(&url, &[], &[]);
    let client = reqwest::blocking::Client::new();
    let res = client
        .get(format!("{}/api/v1/articles", server.base))
        .send()
        .expect("the server answers");
    assert_eq!(res.status(), 200, "a read over a verified TLS connection");
    let (tls, plain) = sessions(&mut admin, &app);
    assert!(tls > 0, "the server holds TLS sessions");
    assert_eq!(plain, 0, "and no plain ones");
    drop(server);

    // A root that did not issue the server's certificate: the binary stops
    // with libpq's reason instead of talking to a server it cannot verify.
    let stranger = root().join("tests/not-the-server-ca.pem");
    let url = with_tls(
        &db.url,
        &[
            ("sslmode", "verify-full"),
            ("sslrootcert", stranger.to_str().expect("a UTF-8 path")),
        ],
    );
    let out = run_migrate(&url);
    assert!(!out.status.success(), "migrate trusted a stranger's root");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("certificate verify failed"),
        "the reason is told: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // `require` encrypts without verifying; the plain URL still works.
    let app = format!("{app}-require");
    let url = with_tls(
        &db.url,
        &[("sslmode", "require"), ("application_name", &app)],
    );
    let server = Server::on(&url, &[], &[]);
    let (tls, plain) = sessions(&mut admin, &app);
    assert!(
        tls > 0 && plain == 0,
        "require: {tls} TLS and {plain} plain sessions"
    );
    drop(server);
}

fn run_migrate(url: &str) -> std::process::Output {
    let mut child = Command::new(binary())
        .arg("migrate")
        .env("NEWSDESK_DATABASE_URL", url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    for _ in 0..300 {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    child.wait_with_output().expect("the output")
}
