//! The PostgreSQL backend against a real server that this test binary
//! starts itself: `initdb` into a temporary directory, `postgres` on a
//! Unix socket in it (no TCP port), run as an unprivileged user when the
//! tests run as root. One cluster per test binary, one database per test.
//!
//! The server binaries are found through `CUSTODIAN_PG_BIN`, then
//! `/usr/lib/postgresql/<newest>/bin`, then `PATH`. Without them the suite
//! prints why it is skipped; with `CI=true` that is a failure. A watchdog
//! stops the server and removes its directory when the test process ends,
//! however it ends.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use custodian::store::{StorageError, Store};

use crate::contract::Stores;
use crate::durable::Database;

/// A running throwaway cluster.
pub(crate) struct Cluster {
    socket_dir: PathBuf,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// The cluster, or `None` (after saying why) when PostgreSQL is not
/// installed. Panics under `CI=true` instead: CI must run this suite.
pub(crate) fn cluster() -> Option<&'static Cluster> {
    let started = CLUSTER.get_or_init(|| {
        let started = start();
        if let Err(why) = &started {
            // Straight to stderr, past the test harness's capture, once.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** PostgreSQL suite SKIPPED: {why}\n*** install it (apt-get install postgresql) or set CUSTODIAN_PG_BIN; see README.md\n"
            );
        }
        started
    });
    match started {
        Ok(cluster) => Some(cluster),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but the PostgreSQL suite cannot run: {why}")
        }
        Err(_) => None,
    }
}

impl Cluster {
    /// A connection string for database `name` on this cluster.
    pub(crate) fn url(&self, name: &str) -> String {
        format!(
            "host={} port=5432 user=postgres dbname={name}",
            self.socket_dir.display()
        )
    }

    /// A new, empty database; its connection string.
    pub(crate) fn database(&self) -> String {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        self.url(&name)
    }
}

fn bin_dir() -> Result<PathBuf, String> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Ok(dir) = std::env::var("CUSTODIAN_PG_BIN") {
        let dir = PathBuf::from(dir);
        return if has_server(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "CUSTODIAN_PG_BIN={} has no initdb and postgres",
                dir.display()
            ))
        };
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(dir) = versions.into_iter().rev().find(|d| has_server(d)) {
        return Ok(dir);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|d| has_server(d))
        .ok_or_else(|| "no PostgreSQL server binaries (initdb, postgres) found".into())
}

fn output(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// PostgreSQL refuses to run as root: as root, run its binaries as
/// `CUSTODIAN_PG_USER` (default `postgres`, else `nobody`) with `setpriv`,
/// which execs the program itself (no parent left between us and the
/// server, so the watchdog signals the server).
fn as_server_user(program: &Path, dir: &Path) -> Result<Command, String> {
    use std::os::unix::fs::MetadataExt as _;
    let euid = std::fs::metadata("/proc/self")
        .map_err(|e| e.to_string())?
        .uid();
    if euid != 0 {
        return Ok(Command::new(program));
    }
    let user = std::env::var("CUSTODIAN_PG_USER").unwrap_or_else(|_| {
        let known = |u: &str| output(Command::new("id").arg("-u").arg(u)).is_ok();
        if known("postgres") {
            "postgres"
        } else {
            "nobody"
        }
        .to_owned()
    });
    let id = |flag: &str| -> Result<u32, String> {
        output(Command::new("id").arg(flag).arg(&user))?
            .parse()
            .map_err(|e| format!("id {flag} {user}: {e}"))
    };
    std::os::unix::fs::chown(dir, Some(id("-u")?), Some(id("-g")?)).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("setpriv");
    cmd.arg(format!("--reuid={}", id("-u")?))
        .arg(format!("--regid={}", id("-g")?))
        .arg("--clear-groups")
        .arg("--")
        .arg(program);
    Ok(cmd)
}

fn start() -> Result<Cluster, String> {
    let bin = bin_dir()?;
    let dir = tempfile::Builder::new()
        .prefix("custodian-pg-")
        .tempdir()
        .map_err(|e| e.to_string())?
        .keep();
    let data = dir.join("data");
    output(
        as_server_user(&bin.join("initdb"), &dir)?
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "-D",
            ])
            .arg(&data),
    )?;
    let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
    // Unix socket only; the server's own fsync is not what these tests
    // examine (they kill clients, not the server), so skip it for speed.
    let server = as_server_user(&bin.join("postgres"), &dir)?
        .arg("-D")
        .arg(&data)
        .args([
            "-c",
            "listen_addresses=",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=200",
            "-k",
        ])
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("starting postgres: {e}"))?;
    // Stops the server and removes its files once this process is gone.
    Command::new("sh")
        .args([
            "-c",
            "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; kill -INT \"$2\"; sleep 3; kill -KILL \"$2\" 2>/dev/null; rm -rf \"$3\"",
            "custodian-pg-watchdog",
        ])
        .arg(std::process::id().to_string())
        .arg(server.id().to_string())
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting the watchdog: {e}"))?;
    let cluster = Cluster { socket_dir: dir };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match postgres::Client::connect(&cluster.url("postgres"), postgres::NoTls) {
            Ok(_) => return Ok(cluster),
            Err(e) if Instant::now() > deadline => {
                let log = std::fs::read_to_string(cluster.socket_dir.join("server.log"))
                    .unwrap_or_default();
                return Err(format!("the server did not start: {e}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// A fresh database on the cluster.
pub(crate) struct Db {
    url: String,
}

impl Db {
    pub(crate) fn fresh() -> Option<Self> {
        Some(Self {
            url: cluster()?.database(),
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}

impl Database for Db {
    fn try_open(&self) -> Result<Store, StorageError> {
        Store::postgres(&self.url)
    }

    fn raw(&self, sql: &str) -> Vec<String> {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        client
            .simple_query(sql)
            .unwrap()
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                _ => None,
            })
            .collect()
    }
}

fn open() -> Option<Stores> {
    Some(Stores::of(&Db::fresh()?.open(), None))
}

crate::conformance!(open);

mod durable_suite {
    crate::durable!(super::Db::fresh);
}

mod processes {
    fn fresh() -> Option<((), String)> {
        Some(((), format!("postgres:{}", super::Db::fresh()?.url())))
    }

    crate::processes!(fresh);
}

#[test]
fn a_locked_row_is_a_typed_error_after_the_busy_timeout() {
    use custodian::store::StoreOptions;

    let Some(db) = Db::fresh() else { return };
    let timeout = Duration::from_millis(300);
    let store = StoreOptions::new()
        .busy_timeout(timeout)
        .postgres(db.url())
        .unwrap();
    // Another server's writer holds the log's size row.
    let mut holder = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
    let mut tx = holder.transaction().unwrap();
    tx.batch_execute("SELECT value FROM custodian_counters WHERE name = 'audit_size' FOR UPDATE")
        .unwrap();
    crate::durable::busy_is_typed(&store, timeout, || tx.rollback().unwrap());
}

#[test]
fn an_unreachable_server_is_a_typed_error_after_the_timeout() {
    use custodian::store::StoreOptions;

    let dir = tempfile::tempdir().unwrap();
    let url = format!("host={} user=postgres dbname=none", dir.path().display());
    let started = Instant::now();
    let err = StoreOptions::new()
        .busy_timeout(Duration::from_millis(500))
        .postgres(&url)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StorageError::Backend {
                op: "connecting",
                ..
            }
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}
