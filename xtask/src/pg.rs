//! A throwaway PostgreSQL cluster for the API tests: initdb into a temp dir
//! on a free loopback port, started for the run and stopped afterwards.
//! PostgreSQL refuses to run as root, so as root it runs as `postgres`.

use std::path::PathBuf;
use std::process::Command;

use crate::Result;
use crate::tools::{Step, output};

pub(crate) struct Cluster {
    dir: PathBuf,
    as_postgres: bool,
    pub(crate) url: String,
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|s| s.trim() == "0")
}

fn find(bin: &str) -> Result<String> {
    if output(Command::new(bin).arg("--version")).is_some() {
        return Ok(bin.to_owned());
    }
    for v in ["17", "16", "15", "14"] {
        let p = format!("/usr/lib/postgresql/{v}/bin/{bin}");
        if std::path::Path::new(&p).exists() {
            return Ok(p);
        }
    }
    Err(format!(
        "`{bin}` not found: install PostgreSQL server binaries (apt-get install postgresql)"
    ))
}

/// Installs the server binaries with apt when they are missing.
fn ensure_installed() -> Result {
    if find("pg_ctl").is_ok() && find("initdb").is_ok() {
        println!("==> PostgreSQL server binaries: present");
        return Ok(());
    }
    Step::new("apt-get install postgresql").run({
        let mut c = Command::new("sh");
        c.args(["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql"]);
        c
    })
}

fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

impl Cluster {
    fn command(&self, bin: &str) -> Result<Command> {
        let path = find(bin)?;
        Ok(if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", &path]);
            c
        } else {
            Command::new(path)
        })
    }

    pub(crate) fn start() -> Result<Cluster> {
        ensure_installed()?;
        let dir = std::env::temp_dir().join(format!("gatehouse-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let as_postgres = is_root();
        if as_postgres {
            Step::new("chown the cluster dir to postgres").run({
                let mut c = Command::new("chown");
                c.args(["-R", "postgres:postgres"]).arg(&dir);
                c
            })?;
        }
        let port = free_port()?;
        let cluster = Cluster {
            dir: dir.clone(),
            as_postgres,
            url: format!("postgres://gatehouse@127.0.0.1:{port}/postgres"),
        };
        let data = dir.join("data");
        Step::new("initdb (throwaway PostgreSQL cluster)").run({
            let mut c = cluster.command("initdb")?;
            c.args(["-A", "trust", "-U", "gatehouse", "--no-sync", "-D"])
                .arg(&data)
                .stdout(std::process::Stdio::null());
            c
        })?;
        Step::new(format!("pg_ctl start on 127.0.0.1:{port}")).run({
            let mut c = cluster.command("pg_ctl")?;
            c.arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("log"))
                .args(["-w", "-o"])
                .arg(format!(
                    "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                    dir.display()
                ))
                .arg("start");
            c
        })?;
        Ok(cluster)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Ok(mut c) = self.command("pg_ctl") {
            let _ =
                c.arg("-D").arg(self.dir.join("data")).args(["-m", "immediate", "stop"]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        println!("==> PostgreSQL cluster stopped and removed");
    }
}
