// A stand-in for Adobe Marketo Engage's Munchkin tracker: it sets the
// _mkto_trk cookie the demo manifest declares, with its declared lifetime,
// and sends nothing anywhere. The banner loads it, with the pixel next to
// it, only with marketing consent.
(function () {
  'use strict';

  var NAME = '_mkto_trk';

  function set(value, maxAge) {
    document.cookie = NAME + '=' + value + '; path=/; max-age=' + maxAge + '; SameSite=Lax' +
      (location.protocol === 'https:' ? '; Secure' : '');
  }

  // The manifest counts years as calendar years.
  function yearsInSeconds(n) {
    var now = new Date();
    var then = new Date(now.getTime());
    then.setFullYear(then.getFullYear() + n);
    return Math.round((then - now) / 1000);
  }

  if (document.cookie.split('; ').every(function (c) { return c.indexOf(NAME + '=') !== 0; })) {
    var n = new Uint32Array(1);
    crypto.getRandomValues(n);
    // Munchkin's format: the account id, then a token naming the host and
    // the time of the first visit.
    set('id:123-DEM-456&token:_mch-' + location.hostname + '-' + Date.now() + '-' + (n[0] % 100000), yearsInSeconds(2)); // 2y
  }

  // The banner may run this before the page is fully parsed.
  function mark() {
    var el = document.getElementById('status-marketing');
    if (el) {
      el.dataset.state = 'running';
      el.textContent = 'running';
    }
    document.dispatchEvent(new CustomEvent('demo:vendor', { detail: { category: 'marketing' } }));
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mark);
  else mark();

  var vendors = window.DemoVendors || (window.DemoVendors = {});
  vendors.marketing = {
    stop: function () { set('', 0); }
  };
})();
