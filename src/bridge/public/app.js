// The bridge's chat page. Plain script, no build step. Everything a peer sends is put in the page with
// textContent, never parsed as HTML.
'use strict'
;(function () {
  const $ = (id) => document.getElementById(id)
  const store = window.sessionStorage

  // The access token arrives once in the URL fragment (#token=...), which is never sent to servers;
  // it is kept for this tab and removed from the address bar.
  const token = (() => {
    const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token') || new URLSearchParams(location.search).get('token')
    if (fromUrl) {
      store.setItem('p2pmessage.token', fromUrl)
      history.replaceState(null, '', location.pathname)
      return fromUrl
    }
    return store.getItem('p2pmessage.token') || ''
  })()

  const state = {
    ws: null,
    address: '',
    rooms: new Map(), // room id -> { topic, password, tab, panel, list, unread }
    active: null,
    nextId: 1,
    pending: new Map(), // request id -> { kind, ... }
    retry: 0,
    pingOutstanding: false,
  }

  const MAX_SHOWN = 1000
  // the bridge's limit (maxTextBytes): UTF-8 bytes, so a long non-ASCII text reaches it sooner
  const MAX_TEXT_BYTES = 8192
  const NOT_CONNECTED = 'Not connected to the bridge yet.'
  const utf8Length = (s) => new TextEncoder().encode(s).length
  const saved = () => JSON.parse(store.getItem('p2pmessage.rooms') || '[]')
  const save = () =>
    store.setItem('p2pmessage.rooms', JSON.stringify([...state.rooms.values()].map((r) => ({ room: r.room, topic: r.topic, password: r.password }))))
  // rooms left in this tab: the bridge stays in them (REST leaves it), the page does not show them again
  const leftHere = () => new Set(JSON.parse(store.getItem('p2pmessage.left') || '[]'))
  const setLeft = (room, left) => {
    const s = leftHere()
    if (left) s.add(room)
    else s.delete(room)
    store.setItem('p2pmessage.left', JSON.stringify([...s]))
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag)
    if (cls) e.className = cls
    if (text !== undefined) e.textContent = text
    return e
  }

  function notice(text) {
    $('notice').textContent = text || ''
  }

  function setConn(text, ok) {
    const c = $('conn')
    c.textContent = text
    c.className = 'conn ' + (ok ? 'ok' : 'down')
  }

  // ---- WebSocket ----

  function connect() {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws' + (token ? '?token=' + encodeURIComponent(token) : '')
    const ws = new WebSocket(url)
    state.ws = ws
    ws.onopen = () => {
      state.retry = 0
      state.pingOutstanding = false
      setConn('connected', true)
      // said while the bridge was away; true no more
      if ($('notice').textContent === NOT_CONNECTED) notice('')
    }
    ws.onmessage = (ev) => {
      let msg
      try {
        msg = JSON.parse(ev.data)
      } catch {
        return
      }
      onServerMessage(msg)
    }
    ws.onclose = (ev) => {
      if (state.ws !== ws) return
      state.ws = null
      state.pending.clear()
      $('message').disabled = false
      const why = ev.code === 1008 ? ' (' + (ev.reason || 'refused') + ')' : ''
      setConn('disconnected' + why + ', reconnecting…', false)
      const delay = Math.min(8000, 500 * 2 ** state.retry++)
      setTimeout(connect, delay)
    }
  }

  function request(msg, meta) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
      notice(NOT_CONNECTED)
      return null
    }
    const id = state.nextId++
    state.pending.set(id, meta || {})
    state.ws.send(JSON.stringify({ ...msg, id }))
    return id
  }

  // Browsers answer the server's ping frames themselves; this app-level ping notices a bridge that
  // went away without closing the connection.
  setInterval(() => {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return
    if (state.pingOutstanding) {
      state.ws.close()
      return
    }
    state.pingOutstanding = true
    state.ws.send(JSON.stringify({ type: 'ping' }))
  }, 25000)

  function onServerMessage(msg) {
    const meta = msg.id !== undefined ? state.pending.get(msg.id) : undefined
    if (msg.id !== undefined) state.pending.delete(msg.id)
    switch (msg.type) {
      case 'hello':
        state.address = msg.address
        $('self-address').textContent = msg.address
        showEnode(msg.enode)
        rejoin(msg.rooms)
        break
      case 'joined':
        onJoined(msg, meta)
        break
      case 'left':
        removeRoom(msg.room)
        break
      case 'message':
        addMessage(msg.room, msg)
        break
      case 'undelivered':
        markUndelivered(msg.room, msg.hash, msg.reason)
        break
      case 'sent':
        if (meta && meta.input) {
          meta.input.disabled = false
          if (meta.input.value === meta.text) meta.input.value = ''
          checkLength()
          meta.input.focus()
        }
        notice('')
        break
      case 'peers':
        renderPeers(msg.peers)
        break
      case 'pong':
        state.pingOutstanding = false
        break
      case 'error':
        if (meta && meta.input) meta.input.disabled = false
        notice(msg.message)
        break
    }
  }

  // ---- rooms ----

  // After (re)connecting: this tab's rooms again, then every room the bridge is already in (joined over
  // REST, by --room or from another page), so a fresh browser shows them; those need no password.
  function rejoin(bridgeRooms) {
    const mine = saved()
    const shown = new Set()
    const onBridge = new Set(bridgeRooms.map((r) => r.room))
    for (const r of mine) {
      if (r.password) request({ type: 'join', topic: r.topic, password: r.password }, { kind: 'join', password: r.password, quiet: true })
      else if (onBridge.has(r.room)) request({ type: 'join', room: r.room }, { kind: 'join', quiet: true })
      if (r.room) shown.add(r.room)
    }
    const left = leftHere()
    for (const r of bridgeRooms) {
      if (!shown.has(r.room) && !left.has(r.room)) request({ type: 'join', room: r.room }, { kind: 'join', quiet: true })
    }
  }

  function onJoined(msg, meta) {
    if (!meta || !meta.quiet) setLeft(msg.room, false)
    let r = state.rooms.get(msg.room)
    if (!r) {
      r = makeRoom(msg.room, msg.topic, (meta && meta.password) || '')
      state.rooms.set(msg.room, r)
    }
    r.list.replaceChildren()
    // the bridge pages by arrival (seq); a mail server's history arrives after lines it predates
    for (const m of [...msg.history].sort(bySent)) addMessage(msg.room, m, true)
    if (!meta || !meta.quiet || !state.active) select(msg.room)
    save()
    $('no-rooms').hidden = true
    $('send-form').hidden = false
  }

  function makeRoom(room, topic, password) {
    const tab = el('button')
    tab.type = 'button'
    tab.setAttribute('role', 'tab')
    tab.id = 'tab-' + room
    tab.setAttribute('aria-controls', 'panel-' + room)
    tab.setAttribute('aria-selected', 'false')
    tab.tabIndex = -1
    tab.title = 'room ' + room
    tab.append(el('span', 'topic', topic), el('span', 'room-id muted', room.slice(0, 6)))
    const unread = el('span', 'unread')
    unread.hidden = true
    tab.append(unread)
    tab.addEventListener('click', () => select(room))
    tab.addEventListener('keydown', onTabKey)
    $('tabs').append(tab)

    const panel = el('section', 'panel')
    panel.id = 'panel-' + room
    panel.setAttribute('role', 'tabpanel')
    panel.setAttribute('aria-labelledby', tab.id)
    panel.hidden = true
    const head = el('div', 'panel-head')
    head.append(el('span', '', 'Topic ' + topic + ' · room ' + room.slice(0, 12)))
    const leave = el('button', 'secondary', 'Leave')
    leave.type = 'button'
    leave.setAttribute('aria-label', 'Leave room ' + topic)
    leave.addEventListener('click', () => {
      setLeft(room, true)
      request({ type: 'leave', room }, { kind: 'leave' })
    })
    head.append(leave)
    const list = el('ol', 'messages')
    list.setAttribute('role', 'log')
    list.setAttribute('aria-live', 'polite')
    list.setAttribute('aria-label', 'Conversation in room ' + topic)
    panel.append(head, list)
    $('panels').append(panel)
    return { room, topic, password, tab, panel, list, unread, count: 0 }
  }

  function select(room) {
    state.active = room
    for (const r of state.rooms.values()) {
      const on = r.room === room
      r.tab.setAttribute('aria-selected', on ? 'true' : 'false')
      r.tab.tabIndex = on ? 0 : -1
      r.panel.hidden = !on
      if (on) {
        r.count = 0
        r.unread.hidden = true
        r.list.scrollTop = r.list.scrollHeight
      }
    }
  }

  function onTabKey(ev) {
    const tabs = [...$('tabs').querySelectorAll('[role="tab"]')]
    const i = tabs.indexOf(ev.currentTarget)
    let next = -1
    if (ev.key === 'ArrowRight') next = (i + 1) % tabs.length
    else if (ev.key === 'ArrowLeft') next = (i - 1 + tabs.length) % tabs.length
    else if (ev.key === 'Home') next = 0
    else if (ev.key === 'End') next = tabs.length - 1
    if (next < 0) return
    ev.preventDefault()
    tabs[next].focus()
    tabs[next].click()
  }

  function removeRoom(room) {
    const r = state.rooms.get(room)
    if (!r) return
    r.tab.remove()
    r.panel.remove()
    state.rooms.delete(room)
    save()
    if (state.active === room) {
      state.active = null
      const first = state.rooms.keys().next()
      if (!first.done) select(first.value)
    }
    if (state.rooms.size === 0) {
      $('no-rooms').hidden = false
      $('send-form').hidden = true
    }
  }

  function pad(n) {
    return String(n).padStart(2, '0')
  }

  function when(sent) {
    const d = new Date(sent * 1000)
    const time = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds())
    const today = new Date()
    if (d.toDateString() === today.toDateString()) return time
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + time
  }

  // A stable hue per sender makes a busy room easier to follow; lightness stays readable on white.
  function colorOf(address) {
    const hue = parseInt(address.slice(0, 6), 16) % 360
    return 'hsl(' + hue + ', 60%, 36%)'
  }

  // A room reads in the order things were said: sent time, then arrival (seq) for the same second.
  function bySent(a, b) {
    return a.sent - b.sent || a.seq - b.seq
  }

  // Where a line goes: before the first shown line said after it. Searched from the end, since live
  // lines are nearly always the newest.
  function placeOf(list, m) {
    let next = null
    for (let li = list.lastElementChild; li && bySent(li.order, m) > 0; li = li.previousElementSibling) next = li
    return next
  }

  function addMessage(room, m, fromHistory) {
    const r = state.rooms.get(room)
    if (!r) return
    const atBottom = r.list.scrollHeight - r.list.scrollTop - r.list.clientHeight < 40
    const li = el('li', 'msg' + (m.mine ? ' mine' : '') + (m.history ? ' history' : ''))
    li.dataset.hash = m.hash
    li.order = { sent: m.sent, seq: m.seq }
    if (m.history) li.title = 'from a mail server\'s history'
    const time = el('time', '', when(m.sent))
    time.dateTime = new Date(m.sent * 1000).toISOString()
    const from = el('span', 'from', m.mine ? 'me' : m.from ? m.from.slice(0, 8) : 'anonymous')
    from.title = m.from ? m.from : 'unsigned message'
    if (!m.mine && m.from && matchMedia('(prefers-color-scheme: light)').matches) from.style.color = colorOf(m.from)
    const text = el('span', 'text', m.text)
    if (m.truncated) text.append(el('span', 'cut', ' … (cut)'))
    li.append(time, from, text)
    if (m.relayedBy) {
      const via = el('span', 'via', ' relayed by ' + m.relayedBy.slice(0, 8))
      via.title = 'carried between shh/5 and shh/6 by the gateway ' + m.relayedBy
      li.append(via)
    }
    if (m.undelivered) showUndelivered(li, m.undelivered)
    r.list.insertBefore(li, placeOf(r.list, m))
    while (r.list.childElementCount > MAX_SHOWN) r.list.firstElementChild.remove()
    if (atBottom || m.mine) r.list.scrollTop = r.list.scrollHeight
    if (!fromHistory && room !== state.active) {
      r.count++
      r.unread.textContent = String(r.count)
      r.unread.hidden = false
    }
  }

  function showUndelivered(li, reason) {
    li.classList.add('undelivered')
    const note = el('span', 'cut', ' — not delivered: ' + reason)
    li.append(note)
  }

  function markUndelivered(room, hash, reason) {
    const r = state.rooms.get(room)
    if (!r) return
    for (const li of r.list.children) if (li.dataset.hash === hash && !li.classList.contains('undelivered')) showUndelivered(li, reason)
  }

  // ---- peers ----

  function renderPeers(peers) {
    const ul = $('peers')
    ul.replaceChildren()
    for (const p of peers) {
      const li = el('li')
      li.title = p.enode || p.id
      li.append(el('span', 'peer-name', p.clientId || '(unnamed client)'))
      li.append(el('span', 'badge', p.cap || 'shh/' + p.shh))
      li.append(el('span', 'muted', p.address + (p.inbound ? ' · inbound' : ' · outbound')))
      ul.append(li)
    }
    $('peer-count').textContent = String(peers.length)
    $('no-peers').hidden = peers.length > 0
  }

  async function api(method, path, body) {
    const headers = { 'content-type': 'application/json' }
    if (token) headers.authorization = 'Bearer ' + token
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const data = await res.json().catch(() => ({}))
    if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText)
    return data
  }

  // A bridge started without --listen only dials out: the bridge sends enode null (nobody can dial it),
  // so nothing is offered for copying; the page says how to make it listen instead.
  function showEnode(enode) {
    const listening = typeof enode === 'string'
    $('self-enode').textContent = listening ? enode : 'not listening: start the bridge with --listen 0.0.0.0:30303 for peers to dial it'
    $('copy-enode').hidden = !listening
  }

  // The box takes any length (a paste is never cut silently) and says when the text is over the limit.
  function checkLength() {
    const bytes = utf8Length($('message').value)
    const over = bytes > MAX_TEXT_BYTES
    $('message-hint').textContent = over ? 'Too long to send: ' + bytes + ' bytes, a message holds at most ' + MAX_TEXT_BYTES + ' (UTF-8). Shorten it.' : ''
    $('send-button').disabled = over
    return !over
  }
  $('message').addEventListener('input', checkLength)

  // ---- forms ----

  $('join-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const topic = $('topic').value.trim()
    const password = $('password').value
    if (request({ type: 'join', topic, password }, { kind: 'join', password })) {
      $('password').value = ''
      notice('')
    }
  })

  $('send-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const input = $('message')
    const text = input.value
    if (!state.active || text.trim() === '' || !checkLength()) return
    if (request({ type: 'send', room: state.active, text }, { kind: 'send', input, text })) input.disabled = true
  })

  $('peer-form').addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const input = $('enode')
    const enode = input.value.trim()
    const status = $('peer-status')
    try {
      const r = await api('POST', '/api/peers', { enode })
      status.textContent = 'Dialing ' + r.id.slice(0, 12) + '…; it appears above once connected.'
      input.value = ''
    } catch (err) {
      status.textContent = 'Could not add peer: ' + err.message
    }
  })

  $('copy-enode').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('self-enode').textContent)
      $('peer-status').textContent = 'Enode copied.'
    } catch {
      $('peer-status').textContent = 'Copy failed; select the enode text instead.'
    }
  })

  connect()
})()
