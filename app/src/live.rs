//! Live access in the app (SPEC 13): an open workspace revalidates its
//! facts as soon as the server says they changed, and says so when the
//! viewer's access ended.
//!
//! One browser keeps one event stream per workspace its tabs show (HTTP/1.1
//! allows six connections per host), whatever the number of tabs: the tab
//! holding the Web Lock `gatehouse-live-leader` opens the streams
//! (`GET /api/workspaces/{ws}/events`) and passes every event on over the
//! BroadcastChannel `gatehouse-live`; when it closes, the next tab in line
//! for the lock takes over and the tabs tell it what they show. A tab
//! reloads its base slice (and so the pages in view) when it hears of a
//! version newer than the one it shows, and checks again whenever it
//! becomes visible or the browser comes back online.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;
use policy::Id;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, EventSource, MessageEvent};

use crate::workspace::WsContext;

const CHANNEL: &str = "gatehouse-live";
const LOCK: &str = "gatehouse-live-leader";
/// Streams one browser keeps open at most; tabs beyond check when shown.
const MAX_STREAMS: usize = 3;

/// What the tabs of a browser tell each other. Written by the derive, read
/// through [`MsgIn`].
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum Msg {
    /// Tab `tab` shows workspace `ws` at version `v`.
    Want { tab: String, ws: Id, v: i64 },
    /// Tab `tab` shows no workspace now.
    Gone { tab: String },
    /// A new leader: every tab says again what it shows.
    Leader,
    /// An event of workspace `ws`'s stream.
    News { ws: Id, news: News },
}

/// What a tab hears about its workspace.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "k", rename_all = "snake_case")]
enum News {
    /// Version `v` exists.
    Change { v: i64 },
    /// Reload everything.
    Resync,
    /// The viewer's access ended (the policy's reason code).
    Ended { code: String },
    /// The stream stopped for good, or the tab was shown again: check.
    Check,
}

/// A [`Msg`] as read: its fields flat, so no generic buffering of tagged
/// enums (the derived `Deserialize` of `Msg` and `News` cost the SPA
/// several KB). A message that is not one is ignored, as before.
#[derive(Deserialize)]
struct MsgIn {
    t: String,
    tab: Option<String>,
    ws: Option<Id>,
    v: Option<i64>,
    news: Option<NewsIn>,
}

/// [`News`] as read.
#[derive(Deserialize)]
struct NewsIn {
    k: String,
    v: Option<i64>,
    code: Option<String>,
}

impl MsgIn {
    fn msg(self) -> Option<Msg> {
        Some(match self.t.as_str() {
            "want" => Msg::Want { tab: self.tab?, ws: self.ws?, v: self.v? },
            "gone" => Msg::Gone { tab: self.tab? },
            "leader" => Msg::Leader,
            "news" => Msg::News { ws: self.ws?, news: self.news?.news()? },
            _ => return None,
        })
    }
}

impl NewsIn {
    fn news(self) -> Option<News> {
        Some(match self.k.as_str() {
            "change" => News::Change { v: self.v? },
            "resync" => News::Resync,
            "ended" => News::Ended { code: self.code? },
            "check" => News::Check,
            _ => return None,
        })
    }
}

/// The data of an `access_ended` event: the policy's reason code.
#[derive(Deserialize)]
struct Ended {
    code: String,
}

struct Stream {
    source: EventSource,
    /// The last version the stream gave.
    last: Rc<Cell<i64>>,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _error: Closure<dyn FnMut(web_sys::Event)>,
    _opened: Closure<dyn FnMut(web_sys::Event)>,
}

/// What a tab does with news of its workspace.
type Handler = Rc<dyn Fn(News)>;

#[derive(Default)]
struct Tab {
    id: String,
    channel: Option<BroadcastChannel>,
    leader: bool,
    /// This tab's workspace, its version, and what to do with news of it.
    mine: Option<(Id, i64, Handler)>,
    /// Leader: what each tab shows.
    wants: HashMap<String, (Id, i64)>,
    /// Leader: the open streams.
    streams: HashMap<Id, Stream>,
    /// Leader: streams that failed in a row, by workspace (back-off).
    failures: HashMap<Id, u32>,
}

thread_local! {
    static TAB: RefCell<Option<Tab>> = const { RefCell::new(None) };
}

fn with_tab<R>(f: impl FnOnce(&mut Tab) -> R) -> R {
    TAB.with(|t| {
        let mut t = t.borrow_mut();
        f(t.get_or_insert_with(Tab::default))
    })
}

fn post(msg: &Msg) {
    let channel = with_tab(|t| t.channel.clone());
    if let (Some(ch), Ok(text)) = (channel, serde_json::to_string(msg)) {
        drop(ch.post_message(&JsValue::from_str(&text)));
    }
}

/// Hands `news` of `ws` to this tab's workspace, if it shows `ws` (called
/// with no borrow held: the handler may reload).
fn deliver(ws: Id, news: News) {
    let handler = with_tab(|t| t.mine.as_ref().filter(|m| m.0 == ws).map(|m| m.2.clone()));
    if let Some(h) = handler {
        h(news);
    }
}

/// An event of the leader's stream: to every tab, this one included.
fn publish(ws: Id, news: News) {
    post(&Msg::News { ws, news: news.clone() });
    deliver(ws, news);
}

/// Starts this tab's part once: the channel, the bid for leadership, and
/// the checks when the tab is shown again or the browser is back online.
fn start() {
    if with_tab(|t| !t.id.is_empty()) {
        return;
    }
    let id = format!("{:x}", (js_sys::Math::random() * 9e15) as u64);
    let channel = BroadcastChannel::new(CHANNEL).ok();
    if let Some(ch) = &channel {
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|e: MessageEvent| {
            if let Some(msg) = e
                .data()
                .as_string()
                .and_then(|s| serde_json::from_str::<MsgIn>(&s).ok())
                .and_then(MsgIn::msg)
            {
                received(msg);
            }
        });
        ch.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
    }
    with_tab(|t| {
        t.id = id;
        t.channel = channel;
    });
    let check = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
        if visible && let Some(ws) = with_tab(|t| t.mine.as_ref().map(|m| m.0)) {
            deliver(ws, News::Check);
        }
    });
    if let Some(w) = web_sys::window() {
        if let Some(d) = w.document() {
            drop(d.add_event_listener_with_callback(
                "visibilitychange",
                check.as_ref().unchecked_ref(),
            ));
        }
        drop(w.add_event_listener_with_callback("online", check.as_ref().unchecked_ref()));
    }
    check.forget();
    crate::focus::track();
    bid_for_leadership();
}

/// Asks for the Web Lock; this tab leads once it gets it, and holds it
/// until it closes. Without Web Locks every tab leads for itself.
fn bid_for_leadership() {
    let locks = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"locks".into()).ok())
        .filter(|l| l.is_object());
    let request = locks.as_ref().and_then(|l| {
        js_sys::Reflect::get(l, &"request".into()).ok()?.dyn_into::<js_sys::Function>().ok()
    });
    let (Some(locks), Some(request)) = (locks, request) else {
        lead();
        return;
    };
    let granted: JsValue =
        Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::once_into_js(|_lock: JsValue| {
            lead();
            // Never settles: the lock is held for the life of the tab.
            js_sys::Promise::new(&mut |_, _| {})
        });
    if let Ok(p) = request.call2(&locks, &JsValue::from_str(LOCK), &granted)
        && let Ok(p) = p.dyn_into::<js_sys::Promise>()
    {
        let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
        drop(p.catch(&ignore));
        ignore.forget();
    }
}

fn lead() {
    let mine = with_tab(|t| {
        t.leader = true;
        t.mine.as_ref().map(|m| (t.id.clone(), m.0, m.1))
    });
    post(&Msg::Leader);
    if let Some((tab, ws, v)) = mine {
        wanted(tab, ws, v);
    }
}

fn received(msg: Msg) {
    match msg {
        Msg::Want { tab, ws, v } => {
            if with_tab(|t| t.leader) {
                wanted(tab, ws, v);
            }
        }
        Msg::Gone { tab } => {
            if with_tab(|t| t.leader) {
                with_tab(|t| t.wants.remove(&tab));
                close_unwanted();
            }
        }
        Msg::Leader => {
            let mine = with_tab(|t| t.mine.as_ref().map(|m| (t.id.clone(), m.0, m.1)));
            if let Some((tab, ws, v)) = mine {
                post(&Msg::Want { tab, ws, v });
            }
        }
        Msg::News { ws, news } => deliver(ws, news),
    }
}

/// Leader: tab `tab` shows `ws` at `v`. A stream already further along
/// tells it so; otherwise one is opened from `v` on.
fn wanted(tab: String, ws: Id, v: i64) {
    let ahead = with_tab(|t| {
        t.wants.insert(tab, (ws, v));
        t.streams.get(&ws).map(|s| s.last.get())
    });
    match ahead {
        Some(last) if last > v => publish(ws, News::Change { v: last }),
        Some(_) => {}
        None => open(ws, v),
    }
    close_unwanted();
}

fn close_unwanted() {
    with_tab(|t| {
        let wanted: Vec<Id> = t.wants.values().map(|w| w.0).collect();
        t.streams.retain(|ws, s| {
            let keep = wanted.contains(ws);
            if !keep {
                s.source.close();
            }
            keep
        });
    });
}

/// Leader: opens workspace `ws`'s stream after version `after`.
fn open(ws: Id, after: i64) {
    if with_tab(|t| t.streams.len() >= MAX_STREAMS) {
        return;
    }
    let Ok(source) = EventSource::new(&format!("/api/workspaces/{ws}/events?after={after}")) else {
        return;
    };
    let last = Rc::new(Cell::new(after));
    let mut handlers = Vec::new();
    for kind in ["change", "resync", "access_ended"] {
        let last = last.clone();
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let id = e.last_event_id().parse::<i64>().unwrap_or(0);
            last.set(last.get().max(id));
            let news = match kind {
                "change" => News::Change { v: id },
                "resync" => News::Resync,
                _ => {
                    let code = e
                        .data()
                        .as_string()
                        .and_then(|s| serde_json::from_str::<Ended>(&s).ok())
                        .map(|e| e.code)
                        .unwrap_or_default();
                    // The server closed it for good: no reconnecting.
                    if let Some(s) = with_tab(|t| t.streams.remove(&ws)) {
                        s.source.close();
                    }
                    News::Ended { code }
                }
            };
            publish(ws, news);
        });
        drop(source.add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref()));
        handlers.push(handler);
    }
    let error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        // CONNECTING: the browser reconnects with Last-Event-ID by itself.
        // CLOSED: refused (signed out, no access) or failed: the tabs check
        // (which opens it again), after a pause that doubles each time.
        let failures = with_tab(|t| {
            let closed =
                t.streams.get(&ws).is_some_and(|s| s.source.ready_state() == EventSource::CLOSED);
            closed.then(|| {
                t.streams.remove(&ws);
                let n = t.failures.entry(ws).or_insert(0);
                *n += 1;
                *n
            })
        });
        if let Some(n) = failures {
            let pause = 1000 * 2u32.pow(n.min(6) - 1);
            gloo_timers::callback::Timeout::new(pause, move || publish(ws, News::Check)).forget();
        }
    });
    source.set_onerror(Some(error.as_ref().unchecked_ref()));
    let opened = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        with_tab(|t| t.failures.remove(&ws));
    });
    source.set_onopen(Some(opened.as_ref().unchecked_ref()));
    with_tab(|t| {
        t.streams.insert(
            ws,
            Stream { source, last, _handlers: handlers, _error: error, _opened: opened },
        );
    });
}

/// This tab now shows `ws` at version `v`.
fn show(ws: Id, v: i64, handler: Handler) {
    let (tab, leader) = with_tab(|t| {
        t.mine = Some((ws, v, handler));
        (t.id.clone(), t.leader)
    });
    if leader {
        wanted(tab, ws, v);
    } else {
        post(&Msg::Want { tab, ws, v });
    }
}

/// This tab shows no workspace now.
fn hide() {
    let (tab, leader) = with_tab(|t| {
        t.mine = None;
        (t.id.clone(), t.leader)
    });
    if leader {
        with_tab(|t| t.wants.remove(&tab));
        close_unwanted();
    } else {
        post(&Msg::Gone { tab });
    }
}

fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Follows the workspace `ctx` shows: revalidates it on news of a newer
/// version, and returns the reason code once the viewer's access ended.
pub fn follow(ctx: WsContext) -> RwSignal<Option<String>> {
    start();
    let ended = RwSignal::new(None::<String>);
    #[derive(Default)]
    struct Seen {
        ws: Cell<Id>,
        /// The version shown.
        known: Cell<i64>,
        /// The newest version heard of.
        heard: Cell<i64>,
        reloading: Cell<bool>,
        loaded_once: Cell<bool>,
    }
    let seen = Rc::new(Seen::default());
    let reload = {
        let seen = seen.clone();
        move || {
            seen.reloading.set(true);
            ctx.reload();
        }
    };
    let handler: Handler = {
        let (seen, reload) = (seen.clone(), reload.clone());
        Rc::new(move |news: News| match news {
            News::Change { v } => {
                seen.heard.set(seen.heard.get().max(v));
                if v > seen.known.get() && !seen.reloading.get() {
                    reload();
                }
            }
            // Offline, a check would only fail; `online` checks again.
            News::Check if !online() => {}
            News::Resync | News::Check => reload(),
            News::Ended { code } => {
                ended.set(Some(code));
                reload();
            }
        })
    };
    Effect::new(move |_| match ctx.data.get() {
        Some(Ok(loaded)) => {
            let (ws, v) = (loaded.ws(), loaded.base.version);
            if seen.ws.replace(ws) != ws {
                seen.heard.set(0);
            }
            seen.known.set(v);
            seen.reloading.set(false);
            seen.loaded_once.set(true);
            ended.set(None);
            show(ws, v, handler.clone());
            if seen.heard.get() > v {
                reload();
            }
        }
        Some(Err(e)) => {
            seen.reloading.set(false);
            // It opened before and now cannot: access ended.
            if seen.loaded_once.get() && matches!(e.status, 401 | 403 | 404) {
                ended.update(|c| {
                    if c.is_none() {
                        *c = Some(e.code.clone());
                    }
                });
            }
        }
        None => {}
    });
    on_cleanup(hide);
    ended
}
