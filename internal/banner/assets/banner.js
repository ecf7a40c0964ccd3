// The Custos consent banner. The server serves it as /banner/{site}.js with
// CUSTOS_CONFIG replaced by the site's configuration in the visitor's
// locale, so it can show without a second request. It is minified by
// `go generate ./internal/banner`; keep it small: every byte is paid by
// every visitor of every site.
//
// It never loads anything from a third party, adds no inline script or
// style (styles go through constructable style sheets, which a strict
// Content-Security-Policy allows), and passes its own nonce on to the
// scripts it activates.
(function (C, w, d) {
  if (w.Custos && w.Custos.v) return; // the tag was included twice

  var me = d.currentScript;
  var base = me ? new URL(me.src).origin : "";
  var nonce = me && me.nonce;
  var T = C.t;
  var cats = C.c;
  var cmOn = C.cm;
  var gpc = w.navigator.globalPrivacyControl === true || C.gpc;
  var listeners = [];
  var root, layer, opener, host, fab;

  // The stored choice: {id, c: {category: bool}, fp, t, exp, m, l, rg, g, r, p}.
  // An outdated one (new fingerprint, or expired) is asked again, but kept
  // as old: its id goes on, and what it allowed counts as withdrawn if the
  // new answer refuses it.
  var old = read(), st = old;
  if (st && (st.fp != C.fp || st.exp < Date.now())) st = null;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }

  function rx(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function read() {
    var m = d.cookie.match(new RegExp("(?:^|; )" + rx(C.ck.n) + "=([^;]*)"));
    try {
      return m && JSON.parse(decodeURIComponent(m[1]));
    } catch (e) {}
  }

  function setCookie(name, value, age, domain, path) {
    d.cookie =
      name + "=" + value + "; Path=" + (path || "/") + "; Max-Age=" + age +
      (domain ? "; Domain=" + domain : "") + "; SameSite=Lax" +
      (location.protocol == "https:" ? "; Secure" : "");
  }

  function write() {
    setCookie(C.ck.n, encodeURIComponent(JSON.stringify(st)), Math.round((st.exp - Date.now()) / 1e3), C.ck.d);
  }

  // Defaults before any choice: opt-in refuses everything optional;
  // opt-out and notice allow it, except sale and sharing under GPC.
  function defaults(all) {
    var o = {};
    cats.forEach((c) => {
      o[c.id] = c.r || (all === undefined ? C.m != "opt_in" && !(gpc && c.ss) : all);
    });
    return o;
  }

  function current() {
    return st ? st.c : defaults();
  }

  function gtag() {
    w.dataLayer = w.dataLayer || [];
    (w.gtag || function () { w.dataLayer.push(arguments); }).apply(w, arguments);
  }

  function consentMode(kind, choices) {
    var o = {};
    if (!cmOn) return;
    cats.forEach((c) => {
      (c.cm || []).forEach((t) => {
        o[t] = choices && choices[c.id] ? "granted" : "denied";
      });
    });
    gtag("consent", kind, o);
  }

  // 128 random bits, in hex.
  function newID() {
    return [...crypto.getRandomValues(new Uint8Array(16))].map((x) => (x + 256).toString(16).slice(1)).join("");
  }

  // send records st on the server; until the receipt comes back the
  // cookie says "pending" and the next page load sends it again, with the
  // same Idempotency-Key, so a choice is never lost nor recorded twice.
  function send() {
    var s = st;
    // The body is the one of the first attempt (same locale and region),
    // or the server would see another request under the same key.
    fetch(base + "/api/v1/consents", {
      method: "POST",
      keepalive: true,
      headers: { "Content-Type": "application/json", "Idempotency-Key": s.id + "." + s.t },
      body: JSON.stringify({
        site: C.s, subject: s.id, choices: s.c, method: s.m,
        manifest_fingerprint: s.fp, locale: s.l, region: s.rg
      })
    }).then((r) => {
      // A refusal that retrying cannot change ends the retries; the
      // choice still holds in this browser.
      if (!r.ok && r.status < 500 && r.status != 408 && r.status != 429 && st == s) {
        delete s.p;
        write();
      }
      return r.ok && r.json();
    }).then((j) => {
      if (j && st == s) {
        s.r = j.id;
        delete s.p;
        write();
      }
    }, () => {});
  }

  // choose records a choice: cookie, server, page.
  function choose(choices, method) {
    var prev = st ? st.c : old ? old.c : defaults(), withdrawn = [], now = Date.now();
    st = {
      id: old ? old.id : newID(), c: choices, fp: C.fp, t: now, exp: now + C.d * 864e5, m: method,
      l: C.l, rg: C.rg, g: gpc ? 1 : 0
    };
    old = st;
    if (method != "notice") st.p = 1;
    write();
    if (st.p) send();
    cats.forEach((c) => {
      if (prev[c.id] && !choices[c.id]) {
        withdrawn.push(c.id);
        forget(c);
      }
    });
    hide();
    apply();
    var detail = { choices: { ...choices }, method: method, withdrawn: withdrawn };
    listeners.forEach((f) => {
      try { f(detail); } catch (e) { setTimeout(() => { throw e; }); }
    });
    d.dispatchEvent(new CustomEvent("custos:consent", { detail: detail }));
  }

  // forget deletes the first-party cookies the manifest declares for a
  // withdrawn category, on every domain they may have been set for.
  function forget(c) {
    var names = d.cookie.split("; ").map((p) => p.split("=")[0]);
    var hosts = [""], h = location.hostname.split(".");
    while (h.length > 1) {
      hosts.push(h.join("."), "." + h.join("."));
      h.shift();
    }
    c.v.forEach((v) => {
      v.k.forEach((k) => {
        // A declared name may be a pattern such as _pk_id.*
        var re = new RegExp("^" + rx(k[0]).replace(/\\\*/g, ".*") + "$");
        names.forEach((n) => {
          if (re.test(n)) hosts.concat(k[3] || []).forEach((dom) => {
            setCookie(n, "", 0, dom, k[4]);
          });
        });
      });
    });
    d.querySelectorAll('iframe[data-category="' + c.id + '"]').forEach((f) => {
      f.src = "about:blank";
    });
  }

  // apply tells Consent Mode, then runs what the choices allow, one
  // element at a time in document order; an external script is waited for
  // before the next element runs.
  var running;
  function apply() {
    consentMode("update", current());
    // Gated elements further down are not parsed yet: wait for them all.
    if (d.readyState == "loading") return d.addEventListener("DOMContentLoaded", apply, { once: true });
    if (running) return (running = 2);
    running = 1;
    var q = [...d.querySelectorAll("script[type='text/plain'][data-category],template[data-category],iframe[data-category]")];
    (function next() {
      var el = q.shift();
      if (!el) {
        if (running == 2) {
          running = 0;
          return apply();
        }
        return (running = 0);
      }
      var ok = current()[el.dataset.category];
      if (el.tagName == "IFRAME") {
        frame(el, ok);
        return next();
      }
      if (!ok) return next();
      if (el.tagName == "TEMPLATE") {
        // The markup goes in with its scripts inert, and the scripts join
        // the front of the queue, to run in order like the others.
        var f = el.content.cloneNode(true), inner = [...f.querySelectorAll("script")];
        inner.forEach((s) => {
          s.type = "text/plain";
          s.dataset.category = el.dataset.category;
          if (s.src) s.dataset.src = s.getAttribute("src");
          s.removeAttribute("src");
        });
        q = inner.concat(q);
        el.replaceWith(f);
        return next();
      }
      var src = el.dataset.src, n = script(el, src), once = 0;
      // A script that never loads must not hold up the rest for good.
      var go = () => once++ || next();
      if (src) {
        n.onload = n.onerror = go;
        setTimeout(go, 1e4);
      }
      el.replaceWith(n);
      if (!src) next();
    })();
  }

  function script(el, src) {
    var n = d.createElement("script");
    for (var a of el.attributes) if (!/^(type|data-category|data-src|nonce)$/.test(a.name)) n.setAttribute(a.name, a.value);
    n.nonce = el.nonce || nonce;
    if (src) n.src = src;
    else n.textContent = el.textContent;
    return n;
  }

  // frame loads an embed when its category is allowed, and otherwise shows
  // a placeholder that names the vendor and loads it on request.
  function frame(el, ok) {
    var ph = el.previousElementSibling;
    if (!(ph && ph.className == "custos-ph")) ph = null;
    if (ok) {
      el.hidden = false;
      el.style.display = "";
      if (ph) ph.remove();
      if (el.getAttribute("src") != el.dataset.src) el.src = el.dataset.src;
      return;
    }
    if (ph) return;
    if (!pageSheet) {
      pageSheet = sheet(CUSTOS_PAGE_CSS);
      d.adoptedStyleSheets = d.adoptedStyleSheets.concat(pageSheet);
    }
    var c = cats.find((x) => x.id == el.dataset.category) || { n: el.dataset.category, v: [] };
    var v = c.v.find((x) => x.id == el.dataset.vendor) || c.v[0];
    ph = d.createElement("div");
    ph.className = "custos-ph";
    // The placeholder takes the embed's place at its size: the page around
    // it does not move, now or when the embed loads.
    ph.style.width = el.offsetWidth + "px";
    ph.style.height = el.offsetHeight + "px";
    ph.innerHTML = "<p>" + esc(T.ph.replace("{v}", v ? v.n : el.title).replace("{c}", c.n)) + "</p><button type=button>" + esc(T.load) + "</button>";
    ph.lastChild.onclick = () => {
      var o = { ...current() };
      o[c.id] = true;
      choose(o, "custom");
    };
    el.before(ph);
    el.hidden = true;
    el.style.display = "none";
  }

  var pageSheet;
  function sheet(css) {
    var s = new CSSStyleSheet();
    s.replaceSync(css);
    return s;
  }

  function mount() {
    if (host) return;
    host = d.createElement("div");
    host.id = "custos";
    host.lang = C.l;
    host.dir = C.dir || "ltr";
    root = host.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [sheet(CUSTOS_CSS)];
    root.addEventListener("click", click);
    root.addEventListener("keydown", key);
    d.body.append(host);
  }

  function links() {
    return (C.nt ? "<a href='" + esc(C.nt) + "'>" + esc(T.notice) + "</a> · " : "") +
      "<a href='" + esc(base + "/privacy/" + C.s + "/cookies?locale=" + C.l) + "'>" + esc(T.decl) + "</a>";
  }

  function btn(action, label, cls) {
    return "<button type=button class=" + (cls || "p") + " data-a=" + action + ">" + esc(label) + "</button>";
  }

  // show draws the first layer: consent (opt-in), a notice with the
  // opt-out link (opt-out), or a plain notice.
  function show() {
    mount();
    var m = C.m, html =
      "<div class=b role=dialog aria-labelledby=ct aria-describedby=cd tabindex=-1>" +
      (m == "opt_in" ? "<button type=button class=x data-a=close aria-label='" + esc(T.close) + "'>×</button>" : "") +
      "<h2 id=ct>" + esc(T.title) + "</h2><p id=cd>" + esc(T.text) + " " + links() + "</p>" +
      (gpc ? "<p class=g>" + esc(T.gpc) + "</p>" : "") +
      "<div class=a>" +
      (m == "opt_in"
        ? btn("accept", T.accept) + btn("reject", T.reject) + btn("custom", T.custom, "s")
        : btn("ok", T.ok) + btn("custom", T.custom, "s")) +
      "</div>" + (m == "opt_out" ? "<button type=button class=dns data-a=dns>" + esc(T.dns) + "</button>" : "") + "</div>";
    draw(html);
  }

  // open draws the preference centre, a modal dialog.
  function open(e) {
    mount();
    opener = d.activeElement;
    var cur = current(), html =
      "<div class=o></div><div class=pc role=dialog aria-modal=true aria-labelledby=pt tabindex=-1>" +
      "<button type=button class=x data-a=back aria-label='" + esc(T.close) + "'>×</button>" +
      "<h2 id=pt>" + esc(T.prefs) + "</h2><p>" + esc(T.prefsText) + " " + links() + "</p>" +
      (gpc ? "<p class=g>" + esc(T.gpc) + "</p>" : "") +
      cats.map((c) => {
        return "<section><label><input type=checkbox role=switch name=" + c.id +
          (cur[c.id] ? " checked" : "") + (c.r ? " disabled" : "") + "> <b>" + esc(c.n) + "</b>" +
          (c.r ? " <i>" + esc(T.always) + "</i>" : "") + "</label><p>" + esc(c.ds) + "</p>" +
          (c.v.length ? "<details><summary>" + esc(T.vendors) + " (" + c.v.length + ")</summary>" +
            c.v.map((v) => {
              return "<div class=v><a href='" + esc(v.p) + "' target=_blank rel=noopener>" + esc(v.n) + "</a>" +
                (v.k.length ? "<table><tr><th>" + esc(T.cookie) + "</th><th>" + esc(T.duration) + "</th><th>" + esc(T.party) + "</th></tr>" +
                  v.k.map((k) => {
                    return "<tr><td>" + esc(k[0]) + "</td><td>" + esc(k[1]) + "</td><td>" + esc(k[2] == 1 ? T.first : T.third) + "</td></tr>";
                  }).join("") + "</table>" : "") + "</div>";
            }).join("") + "</details>" : "") + "</section>";
      }).join("") +
      "<div class=a>" + btn("accept", T.accept) + btn("reject", T.reject) + btn("save", T.save, "s") + "</div></div>";
    draw(html);
    if (e && e.preventDefault) e.preventDefault();
  }

  function draw(html) {
    root.innerHTML = html;
    layer = root.firstElementChild.className == "o" ? root.children[1] : root.firstElementChild;
    // Focus and the mark wait for the next frame: focusing now would force
    // a layout of the page while it is still loading.
    requestAnimationFrame(() => {
      if (!layer) return;
      layer.focus();
      // Controls of the page that Tab reaches are scrolled clear of the
      // first layer, which does not hold the focus (WCAG 2.4.11).
      if (layer.className == "b") d.documentElement.style.scrollPaddingBottom = layer.offsetHeight + 16 + "px";
      performance.mark("custos:visible");
    });
  }

  function hide() {
    if (!root) mount();
    var had = layer;
    root.innerHTML = C.fb ? "<button type=button class=f data-a=open aria-label='" + esc(T.reopen) + "' title='" + esc(T.reopen) + "'>" +
      "<svg viewBox='0 0 24 24' width=22 aria-hidden=true><path d='M12 3a9 9 0 1 0 9 9 3 3 0 0 1-6-6 3 3 0 0 1-3-3M8 10h1v1H8m6 3h1v1h-1m-5 1h1v1H9'/></svg></button>" : "";
    layer = null;
    d.documentElement.style.scrollPaddingBottom = "";
    // Focus goes back where it came from: to the page element that opened
    // the preference centre, else to the (redrawn) floating button.
    if (had) {
      var o = opener && opener != host && opener != d.body ? opener : root.firstChild;
      if (o && o.focus) o.focus();
    }
    opener = null;
  }

  function click(e) {
    var a = e.target.closest("[data-a]");
    a = a && a.dataset.a;
    if (a == "accept") choose(defaults(true), "accept_all");
    else if (a == "reject") choose(defaults(false), "reject_all");
    else if (a == "close") choose(defaults(false), "close");
    else if (a == "custom" || a == "open") open();
    else if (a == "back") back();
    else if (a == "ok") choose(current(), "notice");
    else if (a == "save") {
      var o = {};
      root.querySelectorAll("input").forEach((i) => { o[i.name] = i.checked; });
      choose(o, "custom");
    } else if (a == "dns") {
      var c = { ...current() };
      cats.forEach((x) => { if (x.ss) c[x.id] = false; });
      choose(c, "custom");
      open();
    }
  }

  // back leaves the preference centre: to the first layer while no choice
  // is made, else closed.
  function back() {
    if (st) hide();
    else show();
  }

  // key keeps focus inside the preference centre and closes it on Escape.
  function key(e) {
    if (!layer || layer.className != "pc") return;
    if (e.key == "Escape") return back();
    if (e.key != "Tab") return;
    var f = layer.querySelectorAll("button,a,input:not([disabled]),summary");
    var first = f[0], last = f[f.length - 1], at = root.activeElement;
    if (e.shiftKey ? at == first || at == layer : at == last) {
      (e.shiftKey ? last : first).focus();
      e.preventDefault();
    }
  }

  w.Custos = {
    v: 1,
    consent: () => { return { ...current() }; },
    open: open,
    acceptAll: () => { choose(defaults(true), "accept_all"); },
    rejectAll: () => { choose(defaults(false), "reject_all"); },
    on: (ev, f) => { if (ev == "change") listeners.push(f); }
  };

  // Consent Mode's default goes out before any gated tag can run.
  consentMode("default");
  d.addEventListener("click", (e) => {
    var t = e.target.closest && e.target.closest("[data-custos-open]");
    if (t) open(e);
  });

  function start() {
    if (st) {
      if (st.p) send();
      // A GPC signal turned on after an earlier choice still opts out; a
      // choice made with GPC on stands.
      if (C.m == "opt_out" && gpc && !st.g && cats.some((c) => c.ss && st.c[c.id])) {
        var o = { ...st.c };
        cats.forEach((c) => { if (c.ss) o[c.id] = false; });
        return choose(o, "gpc");
      }
      hide();
    } else if (C.m == "opt_out" && gpc) {
      choose(defaults(), "gpc");
      return;
    } else show();
    apply();
  }
  // Show as soon as there is a body to show in, not when the whole page
  // is parsed: on a long page that is a visible difference.
  if (d.body) start();
  else
    new MutationObserver((_, o) => {
      if (d.body) {
        o.disconnect();
        start();
      }
    }).observe(d.documentElement, { childList: true });
})(CUSTOS_CONFIG, window, document);
