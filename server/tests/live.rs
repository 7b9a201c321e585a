//! Live access (issue 14, "Show"), with the real server binary:
//!
//! - events reach only the viewers of the changed workspace; a removed
//!   member gets one final `access_ended` and nothing after it; so does an
//!   analyst whose partner's access key the client deletes;
//! - `Last-Event-ID` resumes exactly after the version given; beyond the
//!   log, or from a version that does not exist, an explicit `resync`;
//! - a client that does not read gets `resync` when its queue overflows,
//!   never a silent drop (in-process, the response body left unread);
//! - `kill -9` of the server during a burst of changes: the clients
//!   reconnect with `Last-Event-ID` and each sees every version, 0 missed;
//! - through a proxy that drops, duplicates and reorders events, a client
//!   following the package's recipe notices every gap and never goes back
//!   to an older version;
//! - PostgreSQL (ignored here, run by `cargo xtask test`): two processes on
//!   one database, writes on one, listeners on the other; a change whose
//!   notification never came still arrives (the poll reads the log).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod live_support;

use std::time::{Duration, Instant};

use live_support::{Api, Ev, Follower, Next, Proc, Stream, Who, mangling_proxy, start};
use reqwest::Method;
use serde_json::json;

/// The tests of this binary start servers: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const SOON: Duration = Duration::from_secs(5);

/// The demo's workspace and sign-ins.
struct Demo {
    api: Api,
    ws: i64,
    company: i64,
    owner: Who,
}

async fn demo(server: &Proc) -> Demo {
    let api = Api::new(&server.base);
    let owner = api.login("owner@beta.example").await;
    let (_, me) = api.get("/api/me", &owner).await;
    let ws = me["workspaces"][0]["id"].as_i64().unwrap();
    let company = me["companies"][0]["id"].as_i64().unwrap();
    Demo { api, ws, company, owner }
}

/// The next event that is not a keep-alive, which must come soon.
async fn expect(stream: &mut Stream, what: &str) -> Ev {
    match stream.next_event(SOON).await {
        Next::Event(ev) => ev,
        other => panic!("{what}: expected an event, got {other:?}"),
    }
}

/// Nothing but keep-alives for `wait`.
async fn expect_quiet(stream: &mut Stream, wait: Duration, what: &str) {
    match stream.next_event(wait).await {
        Next::Quiet => {}
        other => panic!("{what}: expected nothing, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_only_viewers_and_a_removed_member_gets_one_final_event() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), None, true, "server").await;
    let d = demo(&server).await;
    let (api, ws) = (&d.api, d.ws);
    let dev = api.login("dev@beta.example").await;
    let dev2 = api.login("dev2@beta.example").await;
    // Another workspace of the same company, with its own listener.
    let (s, created) = api
        .call(
            Method::POST,
            &format!("/api/companies/{}/workspaces", d.company),
            Some(json!({"name": "Elsewhere"})),
            &d.owner,
        )
        .await;
    assert_eq!(s, 200, "{created}");
    let other_ws = created["id"].as_i64().unwrap();
    let v0 = api.version(ws, &d.owner).await.unwrap();

    let mut owner_s = Stream::open(server.addr, ws, &d.owner, None).await.unwrap();
    let mut dev_s = Stream::open(server.addr, ws, &dev, None).await.unwrap();
    let mut dev2_s = Stream::open(server.addr, ws, &dev2, None).await.unwrap();
    let mut elsewhere = Stream::open(server.addr, other_ws, &d.owner, None).await.unwrap();
    for s in [&mut owner_s, &mut dev_s, &mut dev2_s, &mut elsewhere] {
        assert!(matches!(s.next(SOON).await, Next::Event(Ev::Alive(_))), "the first message");
    }

    // A toggle switched off: every viewer of the workspace hears of it.
    let s = api.set_developer_toggle(ws, &d.owner, "integrations.create", false).await.unwrap();
    assert_eq!(s, 200);
    for (who, stream) in [("owner", &mut owner_s), ("dev", &mut dev_s), ("dev2", &mut dev2_s)] {
        assert_eq!(
            expect(stream, who).await,
            Ev::Change { id: v0 + 1, kinds: vec!["settings".into()] },
            "{who}"
        );
    }
    expect_quiet(&mut elsewhere, Duration::from_millis(1500), "another workspace's stream").await;

    // dev2 is removed: one final event, then the stream closes.
    let (s, _) = api
        .call(Method::DELETE, &format!("/api/workspaces/{ws}/members/{}", dev2.id), None, &d.owner)
        .await;
    assert_eq!(s, 200);
    let fin = expect(&mut dev2_s, "dev2").await;
    assert!(matches!(&fin, Ev::Ended { id, .. } if *id == v0 + 2), "{fin:?}");
    for (who, stream) in [("owner", &mut owner_s), ("dev", &mut dev_s)] {
        assert_eq!(
            expect(stream, who).await,
            Ev::Change { id: v0 + 2, kinds: vec!["people".into()] },
            "{who}"
        );
    }
    // Nothing after the final event, whatever changes next.
    api.set_developer_toggle(ws, &d.owner, "integrations.create", true).await.unwrap();
    assert_eq!(expect(&mut dev_s, "dev").await.id(), v0 + 3);
    let mut after_final = 0;
    loop {
        match dev2_s.next(Duration::from_secs(3)).await {
            Next::Closed => break,
            Next::Event(ev) => {
                after_final += 1;
                eprintln!("after the final event: {ev:?}");
            }
            Next::Quiet => panic!("the removed member's stream stayed open"),
        }
    }
    assert_eq!(after_final, 0, "events after the final one");
    // And it cannot listen again.
    let refused = Stream::open(server.addr, ws, &dev2, Some(v0 + 1)).await.unwrap_err();
    assert!(matches!(refused.0, 403 | 404), "{refused:?}");
    expect_quiet(&mut elsewhere, Duration::from_millis(200), "another workspace's stream").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_hears_that_access_ended_when_the_key_is_deleted() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), None, true, "server").await;
    let d = demo(&server).await;
    let analyst = d.api.login("analyst@techhelp.example").await;
    let mut s = Stream::open(server.addr, d.ws, &analyst, None).await.unwrap();
    let (_, page) = d.api.get(&format!("/api/companies/{}", d.company), &d.owner).await;
    let grant = page["grants"][0]["id"].as_i64().unwrap();
    let (status, _) =
        d.api.call(Method::DELETE, &format!("/api/grants/{grant}"), None, &d.owner).await;
    assert_eq!(status, 200);
    match expect(&mut s, "analyst").await {
        // Revoking removes the analyst's membership: the policy says why.
        Ev::Ended { code, .. } => assert!(!code.is_empty()),
        other => panic!("expected the final event, got {other:?}"),
    }
    assert_eq!(s.next_event(SOON).await, Next::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_event_id_resumes_and_beyond_the_log_says_resync() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), None, true, "server").await;
    let d = demo(&server).await;
    let dev = d.api.login("dev@beta.example").await;
    let v0 = d.api.version(d.ws, &dev).await.unwrap();
    // Three changes while the client is away.
    for on in [false, true, false] {
        assert_eq!(
            d.api.set_developer_toggle(d.ws, &d.owner, "api_gateway.edit", on).await,
            Ok(200)
        );
    }
    let mut s = Stream::open(server.addr, d.ws, &dev, Some(v0)).await.unwrap();
    for v in v0 + 1..=v0 + 3 {
        assert_eq!(expect(&mut s, "resumed").await.id(), v);
    }
    expect_quiet(&mut s, Duration::from_millis(500), "after the backlog").await;
    // `after` works like Last-Event-ID for a first connection; the header wins.
    drop(s);

    // The log no longer reaches back (pruned): resync, at the current version.
    let db = open_sqlite(dir.path()).await;
    sqlx::query("DELETE FROM changes WHERE version <= $1").bind(v0 + 2).execute(&db).await.unwrap();
    let mut s = Stream::open(server.addr, d.ws, &dev, Some(v0)).await.unwrap();
    assert_eq!(expect(&mut s, "pruned").await, Ev::Resync { id: v0 + 3, why: "behind".into() });
    // Resuming inside what the log still holds works again.
    drop(s);
    let mut s = Stream::open(server.addr, d.ws, &dev, Some(v0 + 2)).await.unwrap();
    assert_eq!(expect(&mut s, "after the prune").await.id(), v0 + 3);
    drop(s);
    // A version the workspace never had (a database restored from backup).
    let mut s = Stream::open(server.addr, d.ws, &dev, Some(v0 + 1000)).await.unwrap();
    assert_eq!(
        expect(&mut s, "future").await,
        Ev::Resync { id: v0 + 3, why: "unknown_version".into() }
    );
    // Not a number: refused, naming the header.
    let (status, body) = raw_get(server.addr, d.ws, &dev, "Last-Event-ID: seven").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Last-Event-ID"), "{body}");
}

async fn open_sqlite(data: &std::path::Path) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}", data.join("gatehouse.db").display()))
        .await
        .unwrap()
}

/// A GET of the events with an extra header; status and body.
async fn raw_get(addr: std::net::SocketAddr, ws: i64, who: &Who, header: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET /api/workspaces/{ws}/events HTTP/1.0\r\nCookie: gatehouse_session={}\r\n{header}\r\n\r\n",
        who.cookie
    );
    sock.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(SOON, sock.read_to_end(&mut out)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

/// `kill -9` in the middle of a burst of changes; the server restarts on
/// the same data; every listener reconnects with the last id it got and,
/// once the burst is over, has seen every version exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_no_change_missed() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    kill_9_burst(dir.path(), None).await;
}

async fn kill_9_burst(data: &std::path::Path, pg: Option<&str>) {
    const WRITES: usize = 40;
    const KILL_AT: usize = 15;
    let mut server = start(data, pg, true, "before").await;
    let d = demo(&server).await;
    let v0 = d.api.version(d.ws, &d.owner).await.unwrap();
    let mut people = Vec::new();
    for email in ["owner@beta.example", "admin@beta.example", "dev@beta.example"] {
        people.push(d.api.login(email).await);
    }
    let addr = std::sync::Arc::new(std::sync::Mutex::new(server.addr));
    // Each listener: reconnects (to wherever the server is now) with the
    // last id it got, records every version it is told of.
    let mut listeners = tokio::task::JoinSet::new();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(i64::MAX));
    for who in people.clone() {
        let (addr, done, ws) = (addr.clone(), done.clone(), d.ws);
        listeners.spawn(async move {
            let mut seen: Vec<i64> = Vec::new();
            let mut last = v0;
            let mut reconnects = 0;
            let deadline = Instant::now() + Duration::from_secs(90);
            while last < done.load(std::sync::atomic::Ordering::Acquire) {
                assert!(Instant::now() < deadline, "listener stuck at {last}");
                let at = *addr.lock().unwrap();
                let Ok(mut s) = Stream::open(at, ws, &who, Some(last)).await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                reconnects += 1;
                loop {
                    match s.next(Duration::from_secs(3)).await {
                        Next::Event(Ev::Change { id, .. }) => {
                            assert_eq!(id, last + 1, "ids follow each other");
                            seen.push(id);
                            last = id;
                        }
                        Next::Event(Ev::Alive(_)) | Next::Quiet => {
                            if last >= done.load(std::sync::atomic::Ordering::Acquire) {
                                break;
                            }
                        }
                        Next::Event(other) => panic!("unexpected {other:?}"),
                        Next::Closed => break,
                    }
                }
            }
            (seen, reconnects)
        });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut acked = 0;
    let mut on = false;
    for i in 0..WRITES {
        if i == KILL_AT {
            // A write in flight as the process dies.
            let (api, owner, ws) = (d.api.clone(), d.owner.clone(), d.ws);
            let inflight = tokio::spawn(async move {
                api.set_developer_toggle(ws, &owner, "api_gateway.delete", true).await
            });
            tokio::time::sleep(Duration::from_millis(2)).await;
            server.kill9();
            let _ = inflight.await;
            server = start(data, pg, false, "after").await;
            *addr.lock().unwrap() = server.addr;
        }
        let api = Api::new(&server.base);
        on = !on;
        if let Ok(200) = api.set_developer_toggle(d.ws, &d.owner, "api_gateway.delete", on).await {
            acked += 1;
        }
    }
    let api = Api::new(&server.base);
    let owner = api.login("owner@beta.example").await;
    let last = api.version(d.ws, &owner).await.unwrap();
    assert!(last >= v0 + acked, "{acked} acknowledged writes, version {last}");
    done.store(last, std::sync::atomic::Ordering::Release);
    while let Some(r) = listeners.join_next().await {
        let (seen, reconnects) = r.unwrap();
        let expected: Vec<i64> = (v0 + 1..=last).collect();
        assert_eq!(seen, expected, "every version once, in order (0 missed)");
        assert!(reconnects >= 2, "the listener reconnected after the kill");
    }
    eprintln!("kill -9: {} versions, every listener saw all of them", last - v0);
}

/// A client behind a proxy that drops, duplicates and reorders events:
/// it notices every gap (ids follow each other; keep-alives name the
/// version), revalidates, and never goes back to an older version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lossy_proxy_causes_no_silent_gap_and_nothing_older_over_newer() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), None, true, "server").await;
    let d = demo(&server).await;
    let dev = d.api.login("dev@beta.example").await;
    let (proxy, mangled) = mangling_proxy(server.addr, 7, 0.15).await;
    let v0 = d.api.version(d.ws, &dev).await.unwrap();
    let mut f = Follower::at(v0);
    let mut s = Stream::open(proxy, d.ws, &dev, Some(v0)).await.unwrap();
    let writer = {
        let (api, owner, ws) = (d.api.clone(), d.owner.clone(), d.ws);
        tokio::spawn(async move {
            for i in 0..80 {
                api.set_developer_toggle(ws, &owner, "integrations.delete", i % 2 == 0)
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = i64::MAX;
    while !(writer.is_finished() && f.known >= last) {
        assert!(Instant::now() < deadline, "did not converge: at {} of {last}", f.known);
        if writer.is_finished() && last == i64::MAX {
            last = d.api.version(d.ws, &dev).await.unwrap();
        }
        match s.next(Duration::from_millis(500)).await {
            Next::Event(ev) => {
                if f.on(&ev) {
                    // Revalidate: what the server holds now.
                    let v = d.api.version(d.ws, &dev).await.unwrap();
                    f.revalidated(v);
                }
            }
            Next::Quiet => {}
            Next::Closed => panic!("the proxy closed the stream"),
        }
    }
    let m = mangled.lock().unwrap().clone();
    eprintln!(
        "lossy proxy: {} passed, {} dropped, {} duplicated, {} reordered; the client noticed {} gaps, ignored {} old or repeated events",
        m.passed,
        m.dropped.len(),
        m.duplicated,
        m.reordered,
        f.gaps,
        f.ignored
    );
    assert!(!m.dropped.is_empty() && m.duplicated > 0 && m.reordered > 0, "{m:?}");
    assert!(f.complete_to(last), "every version covered: known {} of {last}", f.known);
    assert!(!f.went_back);
    assert!(f.gaps > 0);
}

/// PostgreSQL: two server processes on one database. Writes go to one,
/// listeners are on the other: each change arrives (by NOTIFY, well within
/// the poll's second); a change whose notification never came (written
/// straight into the database) arrives too, by the poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL; cargo xtask test starts one"]
async fn postgres_two_processes_write_on_one_listen_on_the_other() {
    let _serial = SERIAL.lock().await;
    let url = fresh_pg_database().await;
    let dir = tempfile::tempdir().unwrap();
    let a = start(&dir.path().join("a"), Some(&url), true, "a").await;
    let b = start(&dir.path().join("b"), Some(&url), false, "b").await;
    let d = demo(&a).await;
    let api_b = Api::new(&b.base);
    let dev_b = api_b.login("dev@beta.example").await;
    let mut s = Stream::open(b.addr, d.ws, &dev_b, None).await.unwrap();
    assert!(matches!(s.next(SOON).await, Next::Event(Ev::Alive(_))));
    let v0 = api_b.version(d.ws, &dev_b).await.unwrap();
    let mut latencies = Vec::new();
    for i in 0..20 {
        let sent = Instant::now();
        assert_eq!(
            d.api.set_developer_toggle(d.ws, &d.owner, "users.add", i % 2 == 0).await,
            Ok(200)
        );
        let ev = expect(&mut s, "on the other process").await;
        latencies.push(sent.elapsed());
        assert_eq!(ev.id(), v0 + 1 + i);
    }
    latencies.sort();
    eprintln!("write on A -> event on B: p50 {:?}, max {:?}", latencies[10], latencies[19]);
    assert!(latencies[10] < Duration::from_millis(500), "{latencies:?}");

    // No notification at all: the poll finds the new version in the log.
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&url).await.unwrap();
    let v = v0 + 21;
    let mut tx = db.begin().await.unwrap();
    sqlx::query("UPDATE workspaces SET version = $1 WHERE id = $2")
        .bind(v)
        .bind(d.ws)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO changes (workspace_id, version, kind, subject, detail, at) VALUES ($1, $2, 'group', 0, 0, 0)")
        .bind(d.ws)
        .bind(v)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sent = Instant::now();
    let ev = expect(&mut s, "without a notification").await;
    assert_eq!(ev.id(), v);
    eprintln!("without NOTIFY: arrived after {:?} (the poll)", sent.elapsed());
    db.close().await;
    drop((s, a, b));
    drop_pg_database(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL; cargo xtask test starts one"]
async fn postgres_kill_9_during_a_burst_no_change_missed() {
    let _serial = SERIAL.lock().await;
    let url = fresh_pg_database().await;
    let dir = tempfile::tempdir().unwrap();
    kill_9_burst(dir.path(), Some(&url)).await;
    drop_pg_database(&url).await;
}

async fn fresh_pg_database() -> String {
    let admin = std::env::var("GATEHOUSE_TEST_PG_URL").expect("GATEHOUSE_TEST_PG_URL");
    sqlx::any::install_default_drivers();
    let name = format!("l_{}", server::auth::random_token());
    let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
    pool.close().await;
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}

async fn drop_pg_database(url: &str) {
    let admin = std::env::var("GATEHOUSE_TEST_PG_URL").unwrap();
    let name = url.rsplit_once('/').unwrap().1;
    let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
    let _ =
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
    pool.close().await;
}
