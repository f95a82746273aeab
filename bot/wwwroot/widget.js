/*
 * Northwind support chat widget — one script tag, no build step:
 *   <script src="https://support.example.com/widget.js" data-title="Chat with us" async></script>
 * Speaks Direct Line 3.0 to the host the script came from: a visitor token, a conversation,
 * the WebSocket stream (polling if sockets are blocked), and reconnects with its watermark.
 * The conversation lives in sessionStorage: a reload (or the next page of the site) resumes it
 * and shows it again from the start.
 * With the panel closed, a conversation in progress stays connected on every page of the site, and the launcher
 * counts the replies the visitor has not seen yet; so does the page's title, "(2) …", also while the tab is in the background.
 * Options (data-* on the script tag): data-title, data-open="true" (open on load), data-locale
 * (the conversation's language, and the widget's own words: en, ru or de; else the browser's language),
 * data-user-name (the shopper's name where the site knows it, e.g. signed in: agents see it instead of "Website visitor 3f9a").
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var base = new URL(script && script.src ? script.src : '/widget.js', location.href).origin;
  var opts = (script && script.dataset) || {};
  var storageKey = 'sb-chat:' + base;
  var state = load() || {};
  var rendered = {};
  var watermark = 0; // how far this page has shown the transcript; a new page starts at 0 and replays it
  var pending = {};
  var socket = null;
  var pollTimer = null;
  var refreshTimer = null;
  var sendError = false;

  // The widget's own words, in the customer's language; the bot's replies follow the conversation's locale.
  var words = {
    en: {
      title: 'Chat with us', open: 'Open chat', close: 'Close chat', message: 'Your message', placeholder: 'Type a message…',
      send: 'Send', connecting: 'Connecting…', connectFailed: 'Could not connect. Retrying…', reconnecting: 'Reconnecting…',
      tooLong: 'That message is too long.', notSent: 'Not sent. Tap the message to send it again.', sendAgain: 'Send again',
      agent: 'Our team', typing: '{name} is typing…', unread: 'new messages'
    },
    ru: {
      title: 'Напишите нам', open: 'Открыть чат', close: 'Закрыть чат', message: 'Ваше сообщение', placeholder: 'Введите сообщение…',
      send: 'Отправить', connecting: 'Подключение…', connectFailed: 'Не удалось подключиться. Пробуем ещё раз…',
      reconnecting: 'Переподключение…', tooLong: 'Сообщение слишком длинное.',
      notSent: 'Не отправлено. Нажмите на сообщение, чтобы отправить его ещё раз.', sendAgain: 'Отправить ещё раз',
      agent: 'Сотрудник', typing: '{name} печатает…', unread: 'новых сообщений'
    },
    de: {
      title: 'Schreiben Sie uns', open: 'Chat öffnen', close: 'Chat schließen', message: 'Ihre Nachricht',
      placeholder: 'Nachricht eingeben…', send: 'Senden', connecting: 'Verbinde…',
      connectFailed: 'Keine Verbindung. Neuer Versuch…', reconnecting: 'Verbinde neu…', tooLong: 'Die Nachricht ist zu lang.',
      notSent: 'Nicht gesendet. Tippen Sie auf die Nachricht, um sie erneut zu senden.', sendAgain: 'Erneut senden',
      agent: 'Unser Team', typing: '{name} schreibt…', unread: 'neue Nachrichten'
    }
  };
  // A name the site passes is shown to agents as given (never markup), cut to a name's length.
  var userName = String(opts.userName || '').trim().slice(0, 100) || undefined;
  var t = words[String(opts.locale || navigator.language || 'en').slice(0, 2).toLowerCase()] || words.en;

  // ---- UI (in a shadow root so the host site's CSS cannot break it) ----
  var host = document.createElement('div');
  host.id = 'sb-chat-widget';
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: 'open' });
  root.innerHTML =
    '<style>' +
    ':host{all:initial}' +
    '.launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:#2563eb;color:#fff;display:flex;align-items:center;justify-content:center;padding:0;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}' +
    '.launcher svg{width:28px;height:28px;fill:currentColor}' +
    '.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;background:#dc2626;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center}' +
    '.badge:empty{display:none}' +
    '.panel{position:fixed;right:20px;bottom:88px;width:360px;max-width:calc(100vw - 40px);height:520px;max-height:calc(100vh - 120px);display:none;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);font:14px/1.4 system-ui,sans-serif;color:#111;overflow:hidden;z-index:2147483000}' +
    '.panel.open{display:flex}' +
    'header{background:#2563eb;color:#fff;padding:12px 14px;font-weight:600;display:flex;justify-content:space-between;align-items:center}' +
    'header button{background:none;border:0;color:#fff;font-size:18px;cursor:pointer}' +
    '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f8fafc}' +
    '.msg{max-width:80%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}' +
    '.msg.bot{align-self:flex-start;background:#fff;border:1px solid #e2e8f0}' +
    '.who{align-self:flex-start;font-size:12px;color:#64748b;margin:4px 0 -4px 4px}' +
    '.msg.user{align-self:flex-end;background:#2563eb;color:#fff}' +
    '.msg.pending{opacity:.6}' +
    '.msg.user.failed{opacity:1;background:#fef2f2;color:#991b1b;border:1px solid #fca5a5}' +
    '.msg.user.failed[role=button]{cursor:pointer}' +
    '.actions{display:flex;flex-wrap:wrap;gap:6px;padding:0 12px 8px;background:#f8fafc}' +
    '.actions button{border:1px solid #2563eb;background:#fff;color:#2563eb;border-radius:16px;padding:4px 10px;cursor:pointer;font:inherit}' +
    'form{display:flex;border-top:1px solid #e2e8f0}' +
    'input{flex:1;border:0;padding:12px;font:inherit;outline:none}' +
    'form button{border:0;background:none;color:#2563eb;font-weight:600;padding:0 14px;cursor:pointer}' +
    '.status{font-size:12px;color:#64748b;padding:2px 12px;background:#f8fafc;min-height:16px}' +
    '.typing{font-size:12px;color:#64748b;font-style:italic;padding:0 12px 4px;background:#f8fafc}' +
    '.typing:empty{display:none}' +
    '</style>' +
    '<button class="launcher" part="launcher">' +
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg><span class="badge" aria-hidden="true"></span></button>' +
    '<section class="panel" role="dialog">' +
    '<header><span class="title"></span><button class="close">×</button></header>' +
    '<div class="log" role="log" aria-live="polite"></div>' +
    '<div class="typing"></div>' +
    '<div class="actions"></div>' +
    '<div class="status" aria-live="polite"></div>' +
    '<form><input name="text" autocomplete="off" maxlength="4000"><button type="submit"></button></form>' +
    '</section>';
  var panel = root.querySelector('.panel');
  var log = root.querySelector('.log');
  var actions = root.querySelector('.actions');
  var status = root.querySelector('.status');
  var typing = root.querySelector('.typing');
  var launcher = root.querySelector('.launcher');
  var badge = root.querySelector('.badge');
  var input = root.querySelector('input');
  root.querySelector('.title').textContent = opts.title || t.title;
  panel.setAttribute('aria-label', opts.title || t.title);
  launcher.setAttribute('aria-label', t.open);
  root.querySelector('.close').setAttribute('aria-label', t.close);
  input.setAttribute('aria-label', t.message);
  input.setAttribute('placeholder', t.placeholder);
  root.querySelector('form button').textContent = t.send;
  launcher.addEventListener('click', function () { toggle(!panel.classList.contains('open')); });
  root.querySelector('.close').addEventListener('click', function () { toggle(false); });
  root.querySelector('form').addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (text) { input.value = ''; send(text); }
  });

  // While a person of the team has the chat, they see "The customer is typing…": a Direct Line typing activity every few seconds.
  var typingSentAt = 0;
  input.addEventListener('input', function () {
    var person = typeof lastSpeaker === 'string' && lastSpeaker.indexOf('agent:') === 0;
    if (!person || !input.value.trim() || !state.conversationId || Date.now() - typingSentAt < 4000) return;
    typingSentAt = Date.now();
    api('POST', '/v3/directline/conversations/' + state.conversationId + '/activities',
      { type: 'typing', from: { id: state.userId } }, state.token).catch(function () { /* best effort */ });
  });

  function toggle(open) {
    panel.classList.toggle('open', open);
    if (open) { input.focus(); connect(); markSeen(); }
  }

  // ---- unread replies: counted on the launcher while the panel is closed, and in the tab's title while the visitor is
  // not looking (the panel closed, or the page in a background tab), as "(2) Shop": they see it from another tab ----
  // state.seen is the transcript position of the latest of our lines the visitor had on screen; it outlives the page,
  // so a page of the site that replays the conversation counts only what came after.
  var unread = 0;
  var latest = -1;
  function positionOf(id) {
    var n = parseInt(String(id || '').split('|')[1], 10);
    return isNaN(n) ? -1 : n;
  }
  function noteOurLine(id) {
    var position = positionOf(id);
    latest = Math.max(latest, position);
    if (panel.classList.contains('open') && !document.hidden) return markSeen();
    if (position > (typeof state.seen === 'number' ? state.seen : -1)) { unread++; showUnread(); }
  }
  function markSeen() {
    unread = 0;
    showUnread();
    if (latest > (typeof state.seen === 'number' ? state.seen : -1)) { state.seen = latest; save(); }
  }
  var titled = false; // the count is in the title now (only then is a "(n) " there ours to take away)
  function showUnread() {
    badge.textContent = unread ? String(unread) : '';
    launcher.setAttribute('aria-label', unread ? t.open + ' (' + t.unread + ': ' + unread + ')' : t.open);
    var plain = titled ? document.title.replace(/^\(\d+\) /, '') : document.title;
    document.title = unread ? '(' + unread + ') ' + plain : plain;
    titled = unread > 0;
  }
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && panel.classList.contains('open')) markSeen(); // back on the tab with the chat open
  });

  function setStatus(text) { status.textContent = text || ''; }

  // ---- Direct Line ----
  function api(method, path, body, token) {
    return fetch(base + path, {
      method: method,
      headers: Object.assign({ 'Content-Type': 'application/json' }, token ? { Authorization: 'Bearer ' + token } : {}),
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      if (!r.ok) { var err = new Error('HTTP ' + r.status); err.status = r.status; throw err; }
      return r.json();
    });
  }

  var connecting = null;
  // In the background (the panel closed) an ended conversation is only forgotten: a new one starts when the visitor opens the chat.
  function connect(background) {
    if (socket || pollTimer || connecting) return connecting;
    setStatus(t.connecting);
    var resume = state.conversationId && state.token
      ? api('GET', '/v3/directline/conversations/' + state.conversationId + (watermark ? '?watermark=' + watermark : ''), null, state.token)
      : Promise.reject({ status: 0 });
    connecting = resume.catch(function (e) {
      // Only a refused token or a vanished conversation starts over; a hiccup of the server or
      // the network is retried below, so the visitor keeps their conversation.
      if (e.status !== 0 && !(e.status >= 400 && e.status < 500)) throw e;
      state = {};
      watermark = 0;
      save();
      if (background) return null;
      return api('POST', '/api/webchat/token').then(function (t) {
        return api('POST', '/v3/directline/conversations', { locale: opts.locale || navigator.language }, t.token);
      });
    }).then(function (c) {
      if (!c) { setStatus(''); return; }
      state.conversationId = c.conversationId;
      state.token = c.token;
      state.userId = state.userId || userIdFromToken(c.token);
      save();
      scheduleRefresh(c.expires_in);
      openStream(c.streamUrl);
    }).catch(function () {
      setStatus(t.connectFailed);
      setTimeout(function () { connecting = null; connect(background); }, 4000);
    }).then(function () { connecting = null; });
    return connecting;
  }

  function openStream(url) {
    try { socket = new WebSocket(url); } catch (e) { return startPolling(); }
    var opened = false;
    socket.onopen = function () { opened = true; setStatus(''); };
    socket.onmessage = function (e) { if (e.data) receive(JSON.parse(e.data)); };
    socket.onclose = function () {
      socket = null;
      if (!opened) return startPolling();
      setStatus(t.reconnecting);
      setTimeout(function () { connect(!panel.classList.contains('open')); }, 2000 + Math.random() * 3000);
    };
  }

  function startPolling() {
    setStatus('');
    var poll = function () {
      api('GET', '/v3/directline/conversations/' + state.conversationId + '/activities?watermark=' + watermark, null, state.token)
        .then(receive).catch(function () {});
    };
    poll();
    pollTimer = setInterval(poll, 1000);
  }

  function scheduleRefresh(expiresIn) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      api('POST', '/v3/directline/tokens/refresh', null, state.token).then(function (t) {
        state.token = t.token; save(); scheduleRefresh(t.expires_in);
      }).catch(function () {});
    }, Math.max(60, (expiresIn || 1800) / 2) * 1000);
  }

  function receive(set) {
    (set.activities || []).forEach(render);
    if (set.watermark) watermark = set.watermark;
  }

  function send(text) {
    var clientId = 'c_' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    var bubble = bubbleFor('user', text);
    bubble.classList.add('pending');
    pending[clientId] = bubble;
    actions.innerHTML = '';
    var activity = {
      type: 'message', text: text, locale: opts.locale || navigator.language,
      from: { id: state.userId, name: userName, role: 'user' },
      channelData: { clientActivityID: clientId, pageUrl: location.href }
    };
    var attempt = function (n) {
      return (connecting || Promise.resolve()).then(function () {
        return api('POST', '/v3/directline/conversations/' + state.conversationId + '/activities', activity, state.token);
      }).then(function () {
        if (sendError) { sendError = false; setStatus(''); } // an earlier "not sent" no longer applies
      }, function (e) {
        // The same clientActivityID makes a retry safe: the server keeps the first.
        if (n < 3 && !(e.status >= 400 && e.status < 500)) return new Promise(function (r) { setTimeout(r, 1000 * (n + 1)); }).then(function () { return attempt(n + 1); });
        bubble.classList.remove('pending');
        bubble.classList.add('failed');
        sendError = true;
        setStatus(e.status === 413 ? t.tooLong : t.notSent);
        // Refused for what it is (too long, not allowed): sending it again would not help. Otherwise the visitor
        // taps it once the server or their network is back; the same clientActivityID keeps it from doubling.
        if (e.status >= 400 && e.status < 500 && e.status !== 429) return;
        offerSendAgain(bubble, function () { attempt(0); });
      });
    };
    attempt(0);
  }

  function offerSendAgain(bubble, again) {
    bubble.setAttribute('role', 'button');
    bubble.setAttribute('tabindex', '0');
    bubble.setAttribute('title', t.sendAgain);
    var go = function (e) {
      if (e.type === 'keydown' && e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      bubble.removeEventListener('click', go);
      bubble.removeEventListener('keydown', go);
      ['role', 'tabindex', 'title'].forEach(function (name) { bubble.removeAttribute(name); });
      bubble.classList.remove('failed');
      bubble.classList.add('pending');
      again();
    };
    bubble.addEventListener('click', go);
    bubble.addEventListener('keydown', go);
  }

  // ---- rendering ----
  var lastSpeaker = null; // who wrote the latest line on our side (the bot, or a person of the team)
  function render(a) {
    if (a.type === 'typing') return showTyping(a.from || {});
    if (a.type !== 'message' || rendered[a.id]) return;
    rendered[a.id] = true;
    var role = a.from && a.from.role === 'user' ? 'user' : 'bot';
    var clientId = a.channelData && a.channelData.clientActivityID;
    if (role === 'user' && clientId && pending[clientId]) {
      pending[clientId].classList.remove('pending', 'failed'); // the server had it after all
      delete pending[clientId];
    } else {
      if (role === 'bot') { introduce(a.from || {}); showTyping(null); noteOurLine(a.id); }
      bubbleFor(role, a.text || '');
    }
    // Only the latest bot message's suggestions are offered; once the visitor answers they go.
    showActions(role === 'bot' ? a.suggestedActions && a.suggestedActions.actions : null);
  }

  // A person of the team who starts writing is named above their first line: the visitor knows a human answers now.
  function introduce(from) {
    var person = typeof from.id === 'string' && from.id.indexOf('agent:') === 0;
    if (person && from.id !== lastSpeaker) {
      var who = document.createElement('div');
      who.className = 'who';
      who.textContent = from.name || t.agent; // text, never markup: the name comes from the team's accounts
      log.appendChild(who);
    }
    lastSpeaker = from.id || null;
  }

  // "Anna is typing…" while a person of the team writes: the server repeats it every few seconds while they type, so it
  // goes by itself soon after they stop, and at once when their message comes.
  var typingTimer = null;
  function showTyping(from) {
    clearTimeout(typingTimer);
    if (!from || from.role === 'user') { typing.textContent = ''; return; }
    typing.textContent = t.typing.replace('{name}', from.name || t.agent); // text, never markup
    typingTimer = setTimeout(function () { typing.textContent = ''; }, 6000);
  }

  function bubbleFor(role, text) {
    var div = document.createElement('div');
    div.className = 'msg ' + role;
    div.textContent = text; // never innerHTML: message text is untrusted
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function showActions(list) {
    actions.innerHTML = '';
    (list || []).forEach(function (action) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = action.title || action.value;
      b.addEventListener('click', function () { send(String(action.value || action.title)); });
      actions.appendChild(b);
    });
    // The buttons take room from the log: keep the message they belong to in view, not cut off beneath them.
    if (list && list.length) log.scrollTop = log.scrollHeight;
  }

  function userIdFromToken(token) {
    try { return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).user; } catch (e) { return undefined; }
  }
  function load() { try { return JSON.parse(sessionStorage.getItem(storageKey)); } catch (e) { return null; } }
  function save() { try { sessionStorage.setItem(storageKey, JSON.stringify(state)); } catch (e) { /* private mode */ } }

  if (opts.open === 'true') toggle(true);
  else if (state.conversationId) connect(true); // a conversation in progress: its replies reach the visitor on this page too
})();
