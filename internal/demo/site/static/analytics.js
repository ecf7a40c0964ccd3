// A stand-in for Matomo's tracker: it sets the first-party cookies the demo
// manifest declares for Matomo, with their declared lifetimes, and sends
// nothing anywhere. The banner loads it only with performance consent.
(function () {
  'use strict';

  // Matomo names its cookies after the site id and a hash of the domain.
  var SUFFIX = '.1.1fff';
  var ID = '_pk_id' + SUFFIX;
  var SES = '_pk_ses' + SUFFIX;

  function secure() { return location.protocol === 'https:' ? '; Secure' : ''; }

  function set(name, value, maxAge) {
    document.cookie = name + '=' + value + '; path=/; max-age=' + maxAge + '; SameSite=Lax' + secure();
  }

  function get(name) {
    var parts = document.cookie.split('; ');
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].indexOf(name + '=') === 0) return parts[i].slice(name.length + 1);
    }
    return null;
  }

  // The manifest counts months as calendar months.
  function monthsInSeconds(n) {
    var now = new Date();
    var then = new Date(now.getTime());
    then.setMonth(then.getMonth() + n);
    return Math.round((then - now) / 1000);
  }

  function randomHex(bytes) {
    var a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  var now = Math.floor(Date.now() / 1000);
  var id = get(ID);
  var visitor = id ? id.split('.')[0] : randomHex(8);
  var first = id ? id.split('.')[1] : now;
  set(ID, visitor + '.' + first, monthsInSeconds(13)); // 13mo
  set(SES, '1', 30 * 60); // 30m

  // The banner may run this before the page is fully parsed.
  function mark() {
    var el = document.getElementById('status-performance');
    if (el) {
      el.dataset.state = 'running';
      el.textContent = 'running';
    }
    document.dispatchEvent(new CustomEvent('demo:vendor', { detail: { category: 'performance' } }));
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mark);
  else mark();

  // Matomo's forgetConsentGiven, in short: what the page calls when the
  // visitor withdraws consent.
  var vendors = window.DemoVendors || (window.DemoVendors = {});
  vendors.performance = {
    stop: function () {
      set(ID, '', 0);
      set(SES, '', 0);
    }
  };
})();
