//! Listeners: one task per stream, reconnecting with the last id it read,
//! every event into one channel with the moment it was read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::live_support::{Ev, Next, Stream, Who};

/// What a listener read, with when.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Got {
    /// Which listener (in the order they were added).
    pub(crate) listener: usize,
    pub(crate) ws: i64,
    pub(crate) account: i64,
    pub(crate) id: i64,
    pub(crate) ended: bool,
    /// A `:v<version>` comment (the first message or a keep-alive): the
    /// version the stream is at, not news of a change.
    pub(crate) alive: bool,
    pub(crate) at: Instant,
}

/// Listeners: one task per stream, every event into one channel.
pub(crate) struct Listeners {
    pub(crate) tasks: tokio::task::JoinSet<()>,
    pub(crate) rx: mpsc::UnboundedReceiver<Got>,
    pub(crate) tx: mpsc::UnboundedSender<Got>,
    pub(crate) log: Vec<Got>,
    /// Listeners added so far.
    pub(crate) added: usize,
    /// Refused (re)connections by status.
    pub(crate) refused: Arc<Mutex<HashMap<u16, usize>>>,
    pub(crate) addr: Arc<Mutex<std::net::SocketAddr>>,
}

impl Listeners {
    pub(crate) fn new(addr: std::net::SocketAddr) -> Listeners {
        let (tx, rx) = mpsc::unbounded_channel();
        Listeners {
            tasks: tokio::task::JoinSet::new(),
            rx,
            tx,
            log: Vec::new(),
            added: 0,
            refused: Arc::default(),
            addr: Arc::new(Mutex::new(addr)),
        }
    }

    /// A listener that reconnects (with the last id it read) whenever the
    /// stream closes, until its access ended. Returns once it is connected
    /// (true) or refused (false).
    pub(crate) async fn add(&mut self, ws: i64, who: Who, from: Option<i64>) -> bool {
        let (tx, refused, addr) = (self.tx.clone(), self.refused.clone(), self.addr.clone());
        let (up_tx, up_rx) = tokio::sync::oneshot::channel();
        let listener = self.added;
        self.added += 1;
        self.tasks.spawn(async move {
            let mut up = Some(up_tx);
            let mut last = from;
            loop {
                let at = *addr.lock().unwrap();
                let mut s = match Stream::open(at, ws, &who, last).await {
                    Ok(s) => s,
                    Err((status, _)) => {
                        if status != 0 {
                            *refused.lock().unwrap().entry(status).or_insert(0) += 1;
                        }
                        if matches!(status, 401 | 403 | 404) {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                loop {
                    match s.next(Duration::from_secs(3600)).await {
                        Next::Event(Ev::Alive(v)) => {
                            if let Some(u) = up.take() {
                                let _ = u.send(());
                            }
                            // A client resumes from the version it holds.
                            last = Some(v);
                            let at = Instant::now();
                            let got = Got {
                                listener,
                                ws,
                                account: who.id,
                                id: v,
                                ended: false,
                                alive: true,
                                at,
                            };
                            let _ = tx.send(got);
                        }
                        Next::Event(ev) => {
                            let ended = matches!(ev, Ev::Ended { .. });
                            last = Some(ev.id());
                            let _ = tx.send(Got {
                                listener,
                                ws,
                                account: who.id,
                                id: ev.id(),
                                ended,
                                alive: false,
                                at: Instant::now(),
                            });
                            if ended {
                                return;
                            }
                        }
                        Next::Closed | Next::Quiet => break,
                    }
                }
            }
        });
        matches!(tokio::time::timeout(Duration::from_secs(60), up_rx).await, Ok(Ok(())))
    }

    pub(crate) fn drain(&mut self) -> &[Got] {
        while let Ok(g) = self.rx.try_recv() {
            self.log.push(g);
        }
        &self.log
    }

    pub(crate) fn stop(&mut self) {
        self.tasks.abort_all();
        self.log.clear();
        while self.rx.try_recv().is_ok() {}
    }
}
