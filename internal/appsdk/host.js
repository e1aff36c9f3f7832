// The host side of @pipedrive/app-extensions-sdk (0.15): a Custom UI page
// posts {id, payload: {type, command, args}} to its parent with a
// MessagePort; the host answers on the port with {data} or {error}.
(function () {
  // The Custom UI modals the viewer may open, by extension id: the page
  // that includes this script says, in <script id="sdk-modals" type="application/json">.
  var modalsEl = document.getElementById('sdk-modals');
  var customModals = modalsEl ? JSON.parse(modalsEl.textContent) : {};
  var log = document.getElementById('sdk-log');
  var state = document.getElementById('sdk-state');
  var snackbar = document.getElementById('snackbar');
  var dialog = document.getElementById('dialog');
  var dialogBody = document.getElementById('dialog-body');
  var listeners = [];
  var pendingModal = null;
  function note(text) {
    // Listed beside the page too, with what the app is sent and answers.
    fetch('/sdk/log', {method: 'POST', body: new URLSearchParams({text: text})}).catch(function () {});
    if (!log) { return; }
    var li = document.createElement('li');
    li.textContent = text;
    log.appendChild(li);
  }
  function frameOf(source) {
    var frames = document.querySelectorAll('iframe.customui');
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === source) { return frames[i]; }
    }
    return null;
  }
  function resize(frame, size) {
    if (!size) { return; }
    if (size.height) { frame.style.height = size.height + 'px'; }
    if (size.width) { frame.style.width = size.width + 'px'; }
  }
  function closeDialog(status) {
    dialog.style.display = 'none';
    dialogBody.textContent = '';
    if (pendingModal) { pendingModal({status: status}); pendingModal = null; }
    listeners.forEach(function (l) { if (l.event === 'close_custom_modal') { l.port.postMessage({}); } });
  }
  function button(text, onclick) {
    var b = document.createElement('button');
    b.textContent = text;
    b.onclick = onclick;
    return b;
  }
  var initTimer = setTimeout(function () {
    if (state && document.querySelector('iframe.customui') && !document.querySelector('iframe.customui[data-initialized]')) {
      state.textContent = 'the page did not initialise the SDK within 10 s';
      state.className = 'problem';
    }
  }, 10000);
  window.addEventListener('message', function (ev) {
    var msg = ev.data;
    var frame = frameOf(ev.source);
    if (!frame || !msg || !msg.payload || msg.id !== frame.dataset.id) { return; } // only our own pages, by their id
    var p = msg.payload;
    var port = ev.ports && ev.ports[0];
    function reply(data) { if (port) { port.postMessage({data: data}); } }
    function fail(error) { note('  refused: ' + error); if (port) { port.postMessage({error: error}); } }
    if (p.type === 'track') { note('track ' + p.event); return; }
    if (p.type === 'listener') { note('listen ' + p.event); if (port) { listeners.push({event: p.event, port: port}); } return; }
    if (p.type !== 'command') { return fail('unknown message type ' + p.type); }
    note(p.command + (p.args === undefined ? '' : ' ' + JSON.stringify(p.args)));
    if (p.command !== 'initialize' && !frame.dataset.initialized) { return fail('SDK is not initialized'); }
    switch (p.command) {
    case 'initialize':
      frame.dataset.initialized = '1';
      clearTimeout(initTimer);
      if (state) { state.textContent = 'SDK initialised'; state.className = ''; }
      resize(frame, p.args && p.args.size);
      return reply();
    case 'get_signed_token':
      var body = new URLSearchParams({id: frame.dataset.id});
      return fetch('/sdk/token', {method: 'POST', body: body}).then(function (r) { return r.json(); }).then(function (j) {
        if (j.error) { return fail(j.error); }
        reply({token: j.token});
      }, function (e) { fail(String(e)); });
    case 'resize':
      resize(frame, p.args);
      return reply();
    case 'get_metadata':
      return reply({windowHeight: window.innerHeight, windowWidth: window.innerWidth});
    case 'show_snackbar':
      snackbar.textContent = p.args.message + (p.args.link ? ' (' + p.args.link.label + ': ' + p.args.link.url + ')' : '');
      snackbar.style.display = 'block';
      setTimeout(function () { snackbar.style.display = 'none'; }, 5000);
      return reply();
    case 'show_confirmation':
      dialogBody.textContent = '';
      var h = document.createElement('b');
      h.textContent = p.args.title;
      var d = document.createElement('p');
      d.textContent = p.args.description || '';
      dialogBody.append(h, d,
        button(p.args.okText || 'OK', function () { dialog.style.display = 'none'; reply({confirmed: true}); }),
        button(p.args.cancelText || 'Cancel', function () { dialog.style.display = 'none'; reply({confirmed: false}); }));
      dialog.style.display = 'block';
      return;
    case 'open_modal':
      var a = p.args || {};
      dialogBody.textContent = '';
      if (a.type === 'custom_modal') {
        var src = customModals[a.action_id];
        if (!src) { return fail('no Custom UI modal the viewer may open has the id ' + a.action_id); }
        var f = document.createElement('iframe');
        f.className = 'customui';
        f.dataset.id = a.action_id;
        f.dataset.type = 'custom_ui_modal';
        f.src = src + (a.data ? '&data=' + encodeURIComponent(JSON.stringify(a.data)) : '');
        dialogBody.append(f, button('Close', function () { closeDialog('closed'); }));
      } else if (['deal', 'person', 'organization', 'activity'].indexOf(a.type) >= 0) {
        var t = document.createElement('p');
        t.textContent = 'New ' + a.type + (a.prefill ? ' ' + JSON.stringify(a.prefill) : '');
        dialogBody.append(t, button('Save', function () { closeDialog('submitted'); }), button('Cancel', function () { closeDialog('closed'); }));
      } else {
        return fail('appcert serve does not open ' + a.type + ' modals from the SDK');
      }
      pendingModal = reply;
      dialog.style.display = 'block';
      return;
    case 'close_modal':
      closeDialog('closed');
      return reply();
    case 'redirect_to':
    case 'set_notification':
    case 'set_focus_mode':
    case 'show_floating_window':
    case 'hide_floating_window':
      return reply(); // noted above; the local page has nowhere to go
    }
    fail('Invalid command ' + p.command);
  });
})();
