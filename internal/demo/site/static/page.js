// The home page's own script: first-party and not gated, so it may run
// before any consent. It only shows what the banner decided and reacts to a
// withdrawal the way a real site must: by stopping what it started, since
// the banner cannot unload a script that already ran.
(function () {
  'use strict';

  var NAMES = {
    necessary: 'Necessary',
    performance: 'Performance',
    functionality: 'Functionality',
    marketing: 'Marketing',
    social_media: 'Social media'
  };

  // The vendor scripts register a stop function here when they start.
  var vendors = window.DemoVendors || (window.DemoVendors = {});

  function byId(id) { return document.getElementById(id); }

  function setStatus(category, state, text) {
    var el = byId('status-' + category);
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
  }

  function hasBanner() {
    return !!document.querySelector('script[src="/banner/demo.js"]');
  }

  function api() {
    return window.Custos && typeof window.Custos.consent === 'function' ? window.Custos : null;
  }

  // Custos.consent() is read defensively: before the visitor decides there
  // may be no choices yet.
  function currentChoices() {
    var c = api();
    if (!c) return null;
    var state;
    try { state = c.consent(); } catch (e) { return null; }
    if (!state) return null;
    return state.choices && typeof state.choices === 'object' ? state.choices : state;
  }

  function renderChoices(choices) {
    var list = byId('choices');
    if (!list) return;
    list.textContent = '';
    var ids = choices ? Object.keys(choices).filter(function (k) { return typeof choices[k] === 'boolean'; }) : [];
    if (ids.length === 0) {
      var li = document.createElement('li');
      li.textContent = !hasBanner() ? 'No banner on this page.'
        : api() ? 'You have not made a choice yet.' : 'Waiting for the banner…';
      list.appendChild(li);
      return;
    }
    ids.forEach(function (id) {
      var item = document.createElement('li');
      var name = document.createElement('span');
      name.textContent = NAMES[id] || id;
      var value = document.createElement('span');
      value.className = 'badge ' + (choices[id] ? 'choice-on' : 'choice-off');
      value.textContent = choices[id] ? 'allowed' : 'refused';
      item.appendChild(name);
      item.appendChild(value);
      list.appendChild(item);
    });
  }

  function renderCookies() {
    var list = byId('cookies');
    if (!list) return;
    list.textContent = '';
    var names = document.cookie.split(';').map(function (c) {
      return c.split('=')[0].trim();
    }).filter(Boolean).sort();
    if (names.length === 0) {
      var li = document.createElement('li');
      li.textContent = 'None yet.';
      list.appendChild(li);
      return;
    }
    names.forEach(function (n) {
      var li = document.createElement('li');
      var code = document.createElement('code');
      code.textContent = n;
      li.appendChild(code);
      list.appendChild(li);
    });
  }

  function refresh() {
    renderChoices(currentChoices());
    renderCookies();
  }

  function onConsent(e) {
    var d = (e && e.detail) || {};
    (d.withdrawn || []).forEach(function (category) {
      var v = vendors[category];
      if (v && typeof v.stop === 'function') {
        try { v.stop(); } catch (err) { /* one vendor failing must not stop the others */ }
      }
      setStatus(category, 'stopped', 'stopped');
    });
    renderChoices(d.choices || currentChoices());
    renderCookies();
    var last = byId('last-event');
    if (last && d.method) {
      last.textContent = 'Last change: ' + d.method + ', at ' + new Date().toLocaleTimeString() + '.';
    }
  }

  function wireButtons() {
    var accept = byId('accept-all');
    var reject = byId('reject-all');
    var ready = !!(api() && typeof window.Custos.acceptAll === 'function');
    if (accept) {
      accept.disabled = !ready;
      accept.onclick = function () { if (api()) window.Custos.acceptAll(); };
    }
    if (reject) {
      reject.disabled = !ready;
      reject.onclick = function () { if (api()) window.Custos.rejectAll(); };
    }
  }

  // The embed has no status of its own: it is running once the banner has
  // given the iframe an address, whether after consent or a click on the
  // placeholder.
  function watchEmbed() {
    var check = function () {
      var f = document.querySelector('iframe[data-category="social_media"]');
      var el = byId('status-social_media');
      if (!el || !f) return;
      var src = f.getAttribute('src');
      if (src && src !== 'about:blank' && el.dataset.state !== 'running') {
        setStatus('social_media', 'running', 'running');
        renderCookies();
      }
    };
    new MutationObserver(check).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ['src']
    });
    check();
  }

  function start() {
    if (!hasBanner()) {
      var note = byId('banner-note');
      if (note) note.hidden = false;
    }
    document.addEventListener('custos:consent', onConsent);
    // The vendor scripts announce themselves, so that the cookie list
    // follows them.
    document.addEventListener('demo:vendor', renderCookies);
    var tag = document.querySelector('script[src="/banner/demo.js"]');
    if (tag) {
      // The banner loads async, before or after this deferred script.
      tag.addEventListener('load', function () { wireButtons(); refresh(); });
    }
    wireButtons();
    watchEmbed();
    refresh();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
