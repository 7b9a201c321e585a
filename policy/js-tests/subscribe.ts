import { Policy, type Snapshot } from "@gatehouse/policy";

/** What `GET /api/workspaces/{id}` answers (the fields used here). */
export interface Base {
  slice: Snapshot;
  version: number;
  now: number;
}

/** What to do when the facts change. */
export interface Handlers {
  /** The base was (re)loaded into the policy: reload the pages you show
   * (`policy.addPage(page.slice, page.version)`) and decide your controls again. */
  change(base: Base): void;
  /** The viewer lost access (`code`: why); the subscription has stopped. */
  ended(code: string): void;
}

/** Loads workspace `ws` into `policy` and keeps it current: every event of
 * the server's stream names a new version, and the base is reloaded when it
 * is newer than the facts held. The package refuses older facts (`load`
 * answers false), so a late answer never replaces a newer one. A tab shown
 * again or a browser back online checks at once. Returns a function that
 * stops. */
export function subscribe(policy: Policy, ws: number, on: Handlers): () => void {
  let heard = 0; // the newest version the server named
  let loading = false;
  let stopped = false;
  let source: EventSource | undefined;
  const held = () => policy.version ?? 0;
  const end = (code: string) => {
    stop();
    on.ended(code);
  };
  const load = async (): Promise<void> => {
    if (loading || stopped) return;
    loading = true;
    try {
      const res = await fetch(`/api/workspaces/${ws}`);
      if ([401, 403, 404].includes(res.status)) return end((await res.json()).code);
      if (!res.ok) return; // the next event or check tries again
      const base = (await res.json()) as Base;
      if (policy.load(base.slice, base.version)) on.change(base);
    } catch {
      return; // offline: "online" checks again
    } finally {
      loading = false;
    }
    if (held() < heard) await load(); // news arrived meanwhile
    if (!source && !stopped) listen();
  };
  // Events after the version held; the browser reconnects by itself and
  // resumes with Last-Event-ID. If it gave up, the next check opens anew.
  const listen = () => {
    source = new EventSource(`/api/workspaces/${ws}/events?after=${held()}`);
    source.addEventListener("change", (e) => {
      heard = Math.max(heard, Number((e as MessageEvent).lastEventId));
      if (heard > held()) void load(); // older or repeated ids change nothing
    });
    source.addEventListener("resync", () => void load());
    source.addEventListener("access_ended", (e) => end(JSON.parse((e as MessageEvent).data).code));
    source.addEventListener("error", () => {
      if (source?.readyState === 2 /* CLOSED */) source = undefined;
    });
  };
  const check = () => {
    if (typeof document === "undefined" || document.visibilityState === "visible") void load();
  };
  const stop = () => {
    stopped = true;
    source?.close();
    globalThis.removeEventListener?.("online", check);
    globalThis.document?.removeEventListener("visibilitychange", check);
  };
  globalThis.addEventListener?.("online", check);
  globalThis.document?.addEventListener("visibilitychange", check);
  void load();
  return stop;
}
