// A stand-in for the Olark live chat: a chat bubble that answers by itself,
// and the first-party cookies the demo manifest declares for Olark. Nothing
// you type leaves the browser. The page's gated inline snippet loads it
// only with functionality consent.
(function () {
  'use strict';

  if (document.querySelector('.chat')) return; // loaded twice: one widget is enough

  var secure = location.protocol === 'https:' ? '; Secure' : '';

  // maxAge undefined makes a session cookie, as the manifest declares for
  // wcsid and _okbk.
  function set(name, value, maxAge) {
    document.cookie = name + '=' + value + '; path=/' +
      (maxAge === undefined ? '' : '; max-age=' + maxAge) + '; SameSite=Lax' + secure;
  }

  function get(name) {
    var parts = document.cookie.split('; ');
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].indexOf(name + '=') === 0) return parts[i].slice(name.length + 1);
    }
    return null;
  }

  function yearsInSeconds(n) {
    var now = new Date();
    var then = new Date(now.getTime());
    then.setFullYear(then.getFullYear() + n);
    return Math.round((then - now) / 1000);
  }

  function randomId() {
    var a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  var COOKIES = ['hblid', 'olfsk', 'wcsid', '_okbk'];
  set('hblid', get('hblid') || randomId(), yearsInSeconds(2)); // 2y
  set('olfsk', get('olfsk') || 'olfsk' + randomId(), yearsInSeconds(2)); // 2y
  set('wcsid', get('wcsid') || randomId()); // session

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text) e.textContent = text;
    return e;
  }

  var root = el('div', 'chat');
  root.setAttribute('role', 'region');
  root.setAttribute('aria-label', 'Live chat');

  var panel = el('div', 'chat-panel');
  panel.id = 'chat-panel';
  panel.hidden = true;

  var head = el('div', 'chat-head');
  head.appendChild(el('h2', '', 'Chat with Demo Corporation'));
  head.appendChild(el('p', '', 'We usually answer within a few minutes.'));
  panel.appendChild(head);

  var log = el('ul', 'chat-log');
  log.setAttribute('aria-live', 'polite');
  panel.appendChild(log);

  function say(text, who) {
    log.appendChild(el('li', who === 'you' ? 'from-you' : 'from-agent', text));
    log.scrollTop = log.scrollHeight;
  }
  say('Hello! This chat is part of the demo: what you type stays in your browser, and nobody will read it.', 'agent');

  var form = el('form', 'chat-form');
  var label = el('label', '', 'Your message');
  label.htmlFor = 'chat-input';
  label.hidden = true;
  var input = el('input');
  input.id = 'chat-input';
  input.type = 'text';
  input.autocomplete = 'off';
  input.placeholder = 'Type a message';
  input.setAttribute('aria-label', 'Your message');
  var send = el('button', 'btn btn-primary', 'Send');
  send.type = 'submit';
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    say(text, 'you');
    input.value = '';
    setTimeout(function () {
      say('Thank you! A real chat would pass this to our team. Here, it is only a demonstration.', 'agent');
    }, 600);
  });
  panel.appendChild(form);

  var bubble = el('button', 'chat-bubble');
  bubble.type = 'button';
  bubble.setAttribute('aria-expanded', 'false');
  bubble.setAttribute('aria-controls', 'chat-panel');
  // Static markup only; the HTML parser gives the svg its namespace.
  bubble.innerHTML = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">' +
    '<path d="M4 5h16v11H9l-5 4z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/></svg>';
  bubble.appendChild(el('span', '', 'Chat with us'));
  bubble.addEventListener('click', function () {
    var open = panel.hidden;
    panel.hidden = !open;
    bubble.setAttribute('aria-expanded', String(open));
    set('_okbk', open ? 'open' : 'closed'); // session
    if (open) input.focus();
  });

  root.appendChild(panel);
  root.appendChild(bubble);

  // The banner may run this before the page is fully parsed.
  function mount() {
    document.body.appendChild(root);
    var status = document.getElementById('status-functionality');
    if (status) {
      status.dataset.state = 'running';
      status.textContent = 'running';
    }
    document.dispatchEvent(new CustomEvent('demo:vendor', { detail: { category: 'functionality' } }));
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
  else mount();

  var vendors = window.DemoVendors || (window.DemoVendors = {});
  vendors.functionality = {
    stop: function () {
      if (root.parentNode) root.parentNode.removeChild(root);
      COOKIES.forEach(function (n) { set(n, '', 0); });
    }
  };
})();
